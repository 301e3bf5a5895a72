"""ML layer speed: torch vs ONNX Runtime fp32 and int8, messages/s at batch 1 and batch 16.

Builds a Detoxify-sized XLM-R (12 layers, 768 wide; random weights, tokenizer trained locally, so
its vocabulary is small: compute per token is the same as the real model's) as a Detoxify checkpoint,
exports it with ``policies.ml.onnx_runner.export`` and times the same scorers the bot uses on
messages of about 32 tokens. Prints figures; it is not a test. Other CPU load on the machine skews
torch (OpenMP) much more than onnxruntime: run it on an otherwise idle machine. Target (issue 3):
ONNX int8 at least 3x torch at batch 1. Runtime: about two minutes on two cores.

    .venv/bin/python benchmarks/ml.py [--size base|small|tiny] [--seconds 6] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_SAMPLE = (
    "hoi allemaal morgen is de toets van hoofdstuk drie vergeet je rekenmachine niet jij bent "
    "echt een sukkel niemand wil jou in de groep wie heeft de aantekeningen van biologie"
)
WORDS = _SAMPLE.split()


def messages(tokenizer, count: int, tokens: int = 32) -> list[str]:
    """Texts that tokenise to ``tokens`` pieces (including <s> and </s>)."""
    out = []
    for i in range(count):
        words: list[str] = []
        j = i
        while True:
            candidate = [*words, WORDS[j % len(WORDS)]]
            if len(tokenizer(" ".join(candidate))["input_ids"]) > tokens:
                break
            words = candidate
            j += 1
        out.append(" ".join(words))
    return out


def rate(score, texts: list[str], batch: int, seconds: float) -> float:
    score(texts[:batch])  # warm-up
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        chunk = [texts[(done + k) % len(texts)] for k in range(batch)]
        score(chunk)
        done += batch
    return done / (time.perf_counter() - start)


def agreement(reference: list[dict[str, float]], other: list[dict[str, float]]) -> tuple[float, float]:
    diffs = [abs(a[k] - b[k]) for a, b in zip(reference, other, strict=True) for k in a]
    same = [(a[k] >= 0.5) == (b[k] >= 0.5) for a, b in zip(reference, other, strict=True) for k in a]
    return max(diffs), sum(same) / len(same)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="base", choices=["tiny", "small", "base"])
    parser.add_argument("--seconds", type=float, default=6.0, help="timing per measurement")
    parser.add_argument("--keep", type=Path, help="keep the model folder here")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="threads for torch and onnxruntime alike (default: all cores)")
    args = parser.parse_args()

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from policies.ml.detoxify_loader import TorchScorer
    from policies.ml.onnx_runner import OnnxScorer, export
    from policies.ml.tiny import build

    threads = args.threads
    folder = args.keep or Path(tempfile.mkdtemp(prefix="sw-ml-bench-"))
    try:
        t0 = time.perf_counter()
        build(folder, args.size, classifier_std=0.05)
        # Torch is timed first, before any export or onnxruntime session exists in the process.
        torch_scorer = TorchScorer(folder, threads=threads)
        texts = messages(torch_scorer.detox.tokenizer, 64)
        reference = torch_scorer.score(texts)
        results: dict[str, dict[int, float]] = {
            "torch": {b: rate(torch_scorer.score, texts, b, args.seconds) for b in (1, 16)}
        }
        report = export(folder, int8=True, tolerance=0.05, max_length=128)
        if not report.int8_kept:  # time int8 anyway, and say that export would not keep it
            quantize_dynamic(str(folder / "model.onnx"), str(folder / "model.int8.onnx"),
                             weight_type=QuantType.QInt8)
        print(f"model: XLM-R {args.size} (random weights) built and exported in "
              f"{time.perf_counter() - t0:.0f}s; threads: {threads}; torch {torch.__version__}")
        runners = {
            "torch": torch_scorer.score,
            "onnx fp32": OnnxScorer(folder, prefer_int8=False, threads=threads).score,
            "onnx int8": OnnxScorer(folder, prefer_int8=True, threads=threads).score,
        }
        print(f"{'backend':<10} {'batch 1':>12} {'batch 16':>12}   agreement with torch")
        for name, score in runners.items():
            if name not in results:
                results[name] = {b: rate(score, texts, b, args.seconds) for b in (1, 16)}
            diff, same = agreement(reference, score(texts))
            print(f"{name:<10} {results[name][1]:>9.1f}/s {results[name][16]:>9.1f}/s   "
                  f"max diff {diff:.4f}, decisions {same:.1%}")
        speedup = results["onnx int8"][1] / results["torch"][1]
        verdict = "meets" if speedup >= 3 else "BELOW"
        print(f"ONNX int8 vs torch at batch 1: {speedup:.1f}x -> {verdict} the 3x target; "
              f"export kept int8: {report.int8_kept} (int8 vs fp32 on probe texts: max diff "
              f"{report.int8_max_diff:.4f}, decisions {report.int8_agreement:.1%})")
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
