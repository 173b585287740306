#!/usr/bin/python3
"""pulab's benchmark suite (docs/performance.md). Run it with `bash bench/run.sh`, which builds first.

Each benchmark interleaves its contenders (the order rotates every repetition), repeats them, and
reports medians and the ratio. Per process, the first epoch is a warm-up and is not counted; the
epoch time is the training steps alone (pulab's result.json `train_seconds`; no evaluation).
Ratios are medians of the per-repetition ratios, so slow drifts of the shared machine cancel.

  overhead   one GradPU epoch on MNIST-shaped data through pulab's CLI, plugins and engine,
             against bench/handwritten_gradpu.cpp (same math, one file of LibTorch)
  python     the same epoch in PyTorch from Python (bench/gradpu_epoch.py, /usr/bin/python3)
  tabular    pulab, the hand-written loop and PyTorch on a small tabular MLP, and a profile
  bf16       pulab with train.precision = "bfloat16" against float32
  sweep      4 short runs with --jobs 2 (1 thread each) against --jobs 1 (2 threads)
  efficiency the training step's matrix-product GFLOP/s against the peak GEMM GFLOP/s
  memory     peak resident memory and data loading time of MNIST GradPU (needs data/mnist)
  conv       a LeNet epoch of PU-Bench's typical MNIST run: pulab's allocator settings against glibc's
             defaults (PULAB_MALLOC_TUNING=0), and evaluation in batches of 10000 against 256 (needs data/mnist)
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"

MNIST_SHAPED = {"n": 59500, "n_p": 1000, "dim": 784, "hidden": [300, 300, 300, 300], "batch": 250}
TABULAR = {"n": 20000, "n_p": 1000, "dim": 20, "hidden": [64, 64], "batch": 250}


def log(message):
    print(message, file=sys.stderr, flush=True)


def run_json(command, env=None):
    """Runs `command`, returns its last stdout line parsed as JSON; dies with its stderr on failure."""
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, command))} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class Contenders:
    def __init__(self, args, scratch):
        self.args = args
        self.scratch = scratch
        self.pulab = str(Path(args.build_dir) / "bin" / "pulab")
        self.handwritten = str(Path(args.build_dir) / "bench" / "pulab_bench_handwritten")
        self.gemm = str(Path(args.build_dir) / "bench" / "pulab_bench_gemm")
        self.runs = 0
        self.objectives = {}
        self.env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")

    def pulab_run(self, config, epochs, threads, extra=(), jobs=1, env=None):
        """Runs pulab on `config` (with `env` added to the environment); returns (wall seconds, [result.json ...])."""
        self.runs += 1
        out = Path(self.scratch) / f"pulab-{self.runs}"
        command = [self.pulab, "run", str(BENCH / "configs" / config), "--set", f"output_dir={out}",
                   "--set", f"train.epochs={epochs}", "--threads", str(threads), "--jobs", str(jobs)]
        for setting in extra:
            command += ["--set", setting]
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=dict(self.env, **(env or {})), cwd=ROOT)
        wall = time.perf_counter() - start
        if result.returncode != 0:
            sys.exit(f"bench: {' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        results = [json.loads(p.read_text()) for p in sorted(out.glob("*/result.json"))]
        shutil.rmtree(out, ignore_errors=True)
        return wall, results

    def pulab_epoch(self, config, epochs, threads, extra=(), env=None, key="train_seconds"):
        """The counted epoch time: training steps only, or training and evaluation (key="seconds")."""
        _, results = self.pulab_run(config, epochs, threads, extra, env=env)
        return counted([e[key] for e in results[0]["epochs"]])

    def handwritten_epoch(self, shape, epochs, threads, optimized=False):
        return self.baseline([self.handwritten], shape, epochs, threads, optimized)

    def python_epoch(self, shape, epochs, threads, optimized=False):
        return self.baseline(["/usr/bin/python3", str(BENCH / "gradpu_epoch.py")], shape, epochs, threads, optimized)

    def baseline(self, program, shape, epochs, threads, optimized):
        command = [*program, *shape_args(shape), "--epochs", str(epochs), "--threads", str(threads)]
        result = run_json(command + (["--optimized"] if optimized else []), self.env)
        # The baselines draw the same data and batches from the same generator: they must agree on
        # the loss, or one of them does other math than the others.
        key = (tuple(map(str, shape_args(shape))), epochs)
        reference = self.objectives.setdefault(key, result["mean_objective"])
        if abs(result["mean_objective"] - reference) > 1e-4 * abs(reference):
            sys.exit(f"bench: {' '.join(command)} reports mean objective {result['mean_objective']}, "
                     f"another baseline {reference}: they do not compute the same thing")
        return counted(result["epoch_seconds"])


def shape_args(shape):
    return ["--n", str(shape["n"]), "--n-p", str(shape["n_p"]), "--dim", str(shape["dim"]),
            "--batch", str(shape["batch"]), "--hidden", *map(str, shape["hidden"])]


def counted(epoch_seconds):
    """The epoch time of one process: the median of every epoch after the first (warm-up)."""
    return statistics.median(epoch_seconds[1:] if len(epoch_seconds) > 1 else epoch_seconds)


def interleave(name, contenders, reps):
    """Runs each contender `reps` times, rotating the order; returns {contender: [seconds ...]}."""
    times = {key: [] for key in contenders}
    keys = list(contenders)
    for rep in range(reps):
        order = keys[rep % len(keys):] + keys[:rep % len(keys)]
        for key in order:
            times[key].append(contenders[key]())
        log(f"  {name} rep {rep + 1}/{reps}: " + ", ".join(f"{k} {times[k][-1]:.3f} s" for k in keys))
    return times


def paired_ratio(times, numerator, denominator):
    return statistics.median(a / b for a, b in zip(times[numerator], times[denominator]))


def ratio_row(group, label, times, numerator, denominator, at_most=None, at_least=None):
    """A table row with the paired ratio numerator / denominator and its target, if it has one."""
    ratio = paired_ratio(times, numerator, denominator)
    if at_most is not None:
        return (group, label, f"{ratio:.3f}x", f"<= {at_most}x", "met" if ratio <= at_most else "NOT met")
    if at_least is not None:
        return (group, label, f"{ratio:.3f}x", f">= {at_least}x", "met" if ratio >= at_least else "NOT met")
    return (group, label, f"{ratio:.3f}x", "", "")


def mlp_matmul_flops(shape):
    """Matrix-product FLOPs of one GradPU epoch of the MLP (multiply-add = 2 FLOPs).

    F(m) = 2 m sum_i d_i d_{i+1} is one forward pass over m rows. Per step, with b rows in the
    batch and m = max(n_p, n_u) interpolates for the penalty:
      forward on the batch F(b); its backward 2 F(b) minus the input-gradient product of the
      first layer (the data need no gradient);
      penalty: forward F(m), input gradient F(m) (every layer, down to x~), and the double
      backward through the input-gradient products: 2 F(m) (the gradient of each product's two
      operands). What autograd runs beyond this (see docs/performance.md) is not useful work and
      is not counted.
    Over an epoch the batches hold n rows in all and the interpolates number sum_b max(n_p, n_u),
    which is n - n_p when every batch has more unlabeled than labeled rows (true for these shapes).
    """
    widths = [shape["dim"]] + shape["hidden"] + [1]
    per_row = 2 * sum(a * b for a, b in zip(widths, widths[1:]))
    first_input_grad = 2 * widths[0] * widths[1]
    n, m = shape["n"], shape["n"] - shape["n_p"]
    return 3 * per_row * n - first_input_grad * n + 4 * per_row * m


def machine():
    cpu = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(), "commit": commit,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def main():
    parser = argparse.ArgumentParser(description="pulab's benchmarks (docs/performance.md)")
    parser.add_argument("--build-dir", default=str(ROOT / "build"))
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each benchmark (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="threads of every contender (default 1)")
    parser.add_argument("--only", nargs="+",
                        choices=["overhead", "python", "tabular", "bf16", "sweep", "efficiency", "memory", "conv"],
                        help="run only these benchmarks")
    parser.add_argument("--out", default=str(BENCH / "results" / "latest"),
                        help="writes OUT.json and OUT.md (default bench/results/latest)")
    args = parser.parse_args()
    selected = set(args.only or ["overhead", "python", "tabular", "bf16", "sweep", "efficiency", "memory", "conv"])
    threads = args.threads
    rows = []  # (benchmark, measurement, value, target, verdict)
    raw = {"machine": machine(), "threads": threads, "reps": args.reps}

    with tempfile.TemporaryDirectory(prefix="pulab-bench-") as scratch:
        c = Contenders(args, scratch)

        if selected & {"overhead", "python", "efficiency", "bf16"}:
            log(f"MNIST-shaped GradPU epoch (784-300x4-1, batch 250, n_p 1000, {threads} thread(s))")
            contenders = {"pulab": lambda: c.pulab_epoch("gradpu_mnist_shaped.toml", 3, threads)}
            if selected & {"overhead"}:
                contenders["handwritten"] = lambda: c.handwritten_epoch(MNIST_SHAPED, 3, threads)
                contenders["handwritten_opt"] = lambda: c.handwritten_epoch(MNIST_SHAPED, 3, threads, True)
            if selected & {"python"}:
                contenders["python"] = lambda: c.python_epoch(MNIST_SHAPED, 3, threads)
                contenders["python_opt"] = lambda: c.python_epoch(MNIST_SHAPED, 3, threads, True)
            if selected & {"bf16"}:
                contenders["pulab_bf16"] = lambda: c.pulab_epoch("gradpu_mnist_shaped.toml", 3, threads,
                                                                 ["train.precision=bfloat16"])
            if selected & {"efficiency"}:
                contenders["gemm"] = lambda: run_json([c.gemm, str(threads)])["peak_gflops"]
            mnist = interleave("mnist", contenders, args.reps)
            raw["mnist_shaped"] = mnist
            pulab = statistics.median(mnist["pulab"])

            def seconds(key):
                return f"{statistics.median(mnist[key]):.2f}"

            rows.append(("overhead", "pulab epoch, MNIST-shaped GradPU (s)", seconds("pulab"), "", ""))
            if "handwritten" in mnist:
                rows.append(("overhead", "hand-written LibTorch epoch, same optimizations (s)",
                             seconds("handwritten_opt"), "", ""))
                rows.append(ratio_row("overhead", "pulab / hand-written, same optimizations", mnist, "pulab",
                                      "handwritten_opt", at_most=1.03))
                rows.append(("overhead", "hand-written LibTorch epoch, plain (s)", seconds("handwritten"), "", ""))
                rows.append(ratio_row("overhead", "pulab / hand-written plain", mnist, "pulab", "handwritten"))
            if "python" in mnist:
                rows.append(("python", "PyTorch (Python) epoch, MNIST MLP, plain (s)", seconds("python"), "", ""))
                rows.append(ratio_row("python", "pulab / PyTorch plain, MNIST MLP", mnist, "pulab", "python",
                                      at_most=1.0))
                rows.append(("python", "PyTorch (Python) epoch, same optimizations (s)", seconds("python_opt"), "", ""))
                rows.append(ratio_row("python", "pulab / PyTorch with pulab's optimizations", mnist, "pulab",
                                      "python_opt"))
            if "pulab_bf16" in mnist:
                rows.append(("bf16", "pulab bfloat16 epoch (s)", seconds("pulab_bf16"), "", ""))
                rows.append(ratio_row("bf16", "bfloat16 / float32 epoch time", mnist, "pulab_bf16", "pulab"))
            if "gemm" in mnist:
                flops = mlp_matmul_flops(MNIST_SHAPED)
                achieved = flops / pulab / 1e9
                peak = statistics.median(mnist["gemm"])
                raw["efficiency"] = {"matmul_flops_per_epoch": flops, "achieved_gflops": achieved, "peak_gflops": peak}
                rows.append(("efficiency", "matrix-product GFLOP per epoch (counted)", f"{flops / 1e9:.1f}", "", ""))
                rows.append(("efficiency", "achieved GFLOP/s (pulab)", f"{achieved:.1f}", "", ""))
                rows.append(("efficiency", f"peak GEMM GFLOP/s (2048^3, {threads} thread(s))", f"{peak:.1f}", "", ""))
                rows.append(("efficiency", "achieved / peak", f"{100 * achieved / peak:.0f}%", ">= 70%",
                             "met" if achieved / peak >= 0.70 else "NOT met"))
                shapes = run_json([c.gemm, str(threads)])
                raw["gemm"] = shapes
                rows.append(("efficiency", "GEMM GFLOP/s at the step's shapes (250x784x300 / 250x300x300)",
                             f"{shapes['mlp_shape_784_gflops']:.1f} / {shapes['mlp_shape_300_gflops']:.1f}", "", ""))
                batches = -(-MNIST_SHAPED["n"] // MNIST_SHAPED["batch"])
                for label, extra in (("plain", []), ("pulab's optimizations", ["--optimized"])):
                    profiled = run_json(["/usr/bin/python3", str(BENCH / "gradpu_epoch.py"), *shape_args(MNIST_SHAPED),
                                         "--threads", str(threads), "--profile", "20", *extra], c.env)
                    raw[f"profiled_flops {label}"] = profiled
                    rows.append(("efficiency", f"matrix-product GFLOP per epoch executed, {label} (torch.profiler)",
                                 f"{profiled['flops_per_step'] * batches / 1e9:.1f}", "", ""))

        if "tabular" in selected:
            log(f"Tabular GradPU epoch (20 features, MLP 2x64, batch 250, {threads} thread(s))")
            tab = interleave("tabular", {
                "pulab": lambda: c.pulab_epoch("gradpu_tabular.toml", 5, threads),
                "handwritten": lambda: c.handwritten_epoch(TABULAR, 5, threads, True),
                "python": lambda: c.python_epoch(TABULAR, 5, threads),
                "pulab_bf16": lambda: c.pulab_epoch("gradpu_tabular.toml", 5, threads, ["train.precision=bfloat16"])},
                             args.reps)
            raw["tabular"] = tab
            rows.append(("tabular", "pulab epoch, tabular (ms)", f"{1000 * statistics.median(tab['pulab']):.1f}", "", ""))
            rows.append(("tabular", "hand-written LibTorch epoch, tabular, same optimizations (ms)",
                         f"{1000 * statistics.median(tab['handwritten']):.1f}", "", ""))
            rows.append(("tabular", "PyTorch (Python) epoch, tabular (ms)", f"{1000 * statistics.median(tab['python']):.1f}",
                         "", ""))
            rows.append(ratio_row("tabular", "pulab / PyTorch, tabular", tab, "pulab", "python", at_most=0.33))
            rows.append(ratio_row("tabular", "pulab / hand-written, tabular", tab, "pulab", "handwritten"))
            # Where a tabular step's time goes (the profile behind the tabular target).
            profile = run_json(["/usr/bin/python3", str(BENCH / "gradpu_epoch.py"), *shape_args(TABULAR),
                                "--threads", str(threads), "--profile", "200"], c.env)
            raw["tabular_profile"] = profile
            us = {k: 1e6 * profile[k] for k in ("wall_seconds_per_step", "aten_seconds_per_step",
                                                "matmul_seconds_per_step")}
            rows.append(ratio_row("tabular", "bfloat16 / float32 pulab epoch, tabular", tab, "pulab_bf16", "pulab"))
            rows.append(("tabular", "PyTorch tabular step: wall / ATen operators / matrix products (us, profiler)",
                         f"{us['wall_seconds_per_step']:.0f} / {us['aten_seconds_per_step']:.0f} / "
                         f"{us['matmul_seconds_per_step']:.0f}", "", ""))
            rows.append(("tabular", "ATen operator calls per tabular step (profiler, nested calls included)", f"{profile['aten_calls_per_step']:.0f}", "", ""))

        if "sweep" in selected:
            log("Sweep of 4 short runs: --jobs 2 x 1 thread against --jobs 1 x 2 threads")
            sweep = interleave("sweep", {
                "jobs2": lambda: c.pulab_run("sweep_throughput.toml", 2, 2, jobs=2)[0],
                "jobs1": lambda: c.pulab_run("sweep_throughput.toml", 2, 2, jobs=1)[0]}, args.reps)
            raw["sweep"] = sweep
            rows.append(("sweep", "--jobs 1 --threads 2, wall (s)", f"{statistics.median(sweep['jobs1']):.1f}", "", ""))
            rows.append(("sweep", "--jobs 2 --threads 2, wall (s)", f"{statistics.median(sweep['jobs2']):.1f}", "", ""))
            rows.append(ratio_row("sweep", "throughput jobs 2x1 / jobs 1x2", sweep, "jobs1", "jobs2", at_least=1.3))

        if "conv" in selected:
            if not (Path(os.environ.get("PULAB_DATA", ROOT / "data")) / "mnist").is_dir():
                rows.append(("conv", "LeNet on MNIST", "skipped: no data/mnist (bash datasets/fetch.sh mnist)", "", ""))
            else:
                log(f"LeNet epoch, PU-Bench's typical MNIST run (batch 256, test 10000, {threads} thread(s))")
                glibc = {"PULAB_MALLOC_TUNING": "0"}
                small_eval, large_eval = ["train.eval_batch_size=256"], ["train.eval_batch_size=10000"]
                conv = interleave("conv", {
                    "train": lambda: c.pulab_epoch("lenet_mnist.toml", 3, threads, small_eval),
                    "train_glibc": lambda: c.pulab_epoch("lenet_mnist.toml", 3, threads, small_eval, glibc),
                    "epoch_eval256": lambda: c.pulab_epoch("lenet_mnist.toml", 3, threads, small_eval, key="seconds"),
                    "epoch_eval10000": lambda: c.pulab_epoch("lenet_mnist.toml", 3, threads, large_eval,
                                                             key="seconds")}, args.reps)
                raw["conv"] = conv
                rows.append(("conv", "LeNet training epoch, pulab's allocator settings (s)",
                             f"{statistics.median(conv['train']):.2f}", "", ""))
                rows.append(("conv", "LeNet training epoch, glibc's defaults (s)",
                             f"{statistics.median(conv['train_glibc']):.2f}", "", ""))
                rows.append(ratio_row("conv", "glibc defaults / pulab's settings", conv, "train_glibc", "train",
                                      at_least=1.0))
                rows.append(("conv", "LeNet epoch with evaluation, eval batch 256 / 10000 (s)",
                             f"{statistics.median(conv['epoch_eval256']):.2f} / "
                             f"{statistics.median(conv['epoch_eval10000']):.2f}", "", ""))
                rows.append(ratio_row("conv", "eval batch 10000 / 256, whole epoch", conv, "epoch_eval10000",
                                      "epoch_eval256"))

        if "memory" in selected:
            data = Path(os.environ.get("PULAB_DATA", ROOT / "data")) / "mnist"
            if not data.is_dir():
                rows.append(("memory", "MNIST GradPU", "skipped: no data/mnist (bash datasets/fetch.sh mnist)", "", ""))
            else:
                log("MNIST GradPU, 3 epochs: data loading time and peak resident memory per epoch")
                out = Path(scratch) / "memory"
                subprocess.run([c.pulab, "run", str(ROOT / "experiments" / "mnist" / "gradpu.toml"), "--set",
                                f"output_dir={out}", "--set", "train.epochs=3", "--threads", str(threads)],
                               check=True, capture_output=True, env=c.env, cwd=ROOT)
                result = json.loads(next(out.glob("*/result.json")).read_text())
                rss = [e["peak_rss_mb"] for e in result["epochs"]]
                raw["memory"] = {"data_seconds": result["data_seconds"], "peak_rss_mb_per_epoch": rss}
                rows.append(("memory", "MNIST load + PU split (s)", f"{result['data_seconds']:.2f}", "", ""))
                rows.append(("memory", "peak RSS after epochs 1/2/3 (MiB)", " / ".join(f"{r:.0f}" for r in rss), "", ""))
                evaluation = statistics.median(e["seconds"] - e["train_seconds"] for e in result["epochs"][1:])
                epoch = statistics.median(e["seconds"] for e in result["epochs"][1:])
                raw["memory"]["evaluation_seconds"] = evaluation
                rows.append(("memory", "MNIST GradPU evaluation per epoch (500 val + 10000 test), share of the epoch",
                             f"{evaluation:.2f} s, {100 * evaluation / epoch:.1f}%", "", ""))

    table = ["| benchmark | measurement | value | target | verdict |", "|---|---|---|---|---|"]
    table += [f"| {' | '.join(row)} |" for row in rows]
    m = raw["machine"]
    header = (f"pulab benchmarks, {m['date']}, commit {m['commit']}, {m['cpu']} ({m['cores']} cores), "
              f"{threads} thread(s) per contender, {args.reps} repetitions, medians\n")
    print(header)
    print("\n".join(table))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    for suffix, text in ((".json", json.dumps(raw, indent=1) + "\n"), (".md", header + "\n" + "\n".join(table) + "\n")):
        tmp = out.with_name(out.name + suffix + ".tmp")
        tmp.write_text(text)
        tmp.replace(out.with_name(out.name + suffix))
    log(f"bench: wrote {out}.json and {out}.md")


if __name__ == "__main__":
    main()
