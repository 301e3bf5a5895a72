"""Matrix adapter (matrix-nio with end-to-end encryption): see ``adapter.MatrixAdapter`` and
docs/matrix.md."""

from adapters.matrix.adapter import MatrixAdapter

__all__ = ["MatrixAdapter"]
