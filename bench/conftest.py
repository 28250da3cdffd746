"""bench/: make the shared helpers (gemm_cases, _util) importable from the suites."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
