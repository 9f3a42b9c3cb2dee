"""The structlog processor of ``tasktiger.logging``: ``tasktiger_processor``."""

from tiger_adapters.logging import tasktiger_processor, tiger_processor

__all__ = ["tasktiger_processor", "tiger_processor"]
