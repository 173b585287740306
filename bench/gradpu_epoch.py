#!/usr/bin/python3
"""The Python contender of bench/: GradPU training in PyTorch, written as a PU researcher would
write it, doing the same math in the same order as pulab's engine and bench/handwritten_gradpu.cpp
(naive risk with the absolute loss, positive upweighting ramped to beta_max, gradient penalty at
P/U interpolates with double backward, Adam with coupled weight decay, linear lr decay to 0.1x).

Run it with Debian's interpreter and PyTorch (python3-torch, the same 1.13 backend as LibTorch):
    /usr/bin/python3 bench/gradpu_epoch.py --threads 1 --epochs 3
It prints one JSON line with the training seconds of each epoch (no evaluation). --device cuda puts
the data, the model and every step on the GPU (the per-step .item() waits for it, as pulab's engine
does; TF32 is LibTorch's own switch, TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1). --optimized adds
the two optimizations pulab makes (docs/performance.md): a ReLU without a path from its double
backward into the forward graph, and backward only to the parameters.
--profile STEPS instead profiles STEPS training steps with torch.profiler and prints, per step, the
matrix-product FLOPs the backend executed (forward, backward and double backward), the step's wall
time without the profiler, and the profiler's self time of the ATen operators (matrix products
apart; the profiler adds its own cost to each call, so these are upper bounds).
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F


class FirstOrderRelu(torch.autograd.Function):
    """--optimized: a ReLU whose backward reads a detached copy of its output, so that the double
    backward sends nothing back into the forward graph (framework/include/pulab/relu.hpp)."""

    @staticmethod
    def forward(ctx, h):
        out = torch.relu(h)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return torch.ops.aten.threshold_backward(grad, out.detach(), 0)


class Mlp(torch.nn.Module):
    def __init__(self, dim, hidden, first_order_relu=False):
        super().__init__()
        self.first_order_relu = first_order_relu
        widths = [dim] + hidden
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.out = torch.nn.Linear(widths[-1], 1)

    def forward(self, h):
        for layer in self.layers:
            h = layer(h)
            h = FirstOrderRelu.apply(h) if self.first_order_relu else F.relu(h)
        return self.out(h).squeeze(1)


def resample(x, m):
    if x.shape[0] == m:
        return x
    return x.index_select(0, torch.randint(x.shape[0], (m,), device=x.device))


def train_step(model, optimizer, x, n, n_p, idx, it, total, args):
    in_p = idx < n_p
    p_idx, u_idx = idx[in_p], idx[~in_p]
    fill_p = max(1, round(args.batch * n_p / n))
    fill_u = max(1, round(args.batch * (n - n_p) / n))
    x_p = x.index_select(0, p_idx) if p_idx.numel() > 0 else x.index_select(0, torch.randint(n_p, (fill_p,), device=x.device))
    x_u = x.index_select(0, u_idx) if u_idx.numel() > 0 else x.index_select(0, torch.randint(n - n_p, (fill_u,), device=x.device) + n_p)
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=args.precision == "bfloat16"):
        g = model(torch.cat([x_p, x_u])).float()
        g_p, g_u = g[: x_p.shape[0]], g[x_p.shape[0]:]
        beta = (it + 1) / total * args.beta_max
        w_p = 1.0 - beta * F.logsigmoid(2.0 * g_p.detach())
        risk = ((1.0 - torch.tanh(g_p)).abs() * w_p).mean() + (-1.0 - torch.tanh(g_u)).abs().mean()

        m = max(x_p.shape[0], x_u.shape[0])
        a, c = resample(x_p, m), resample(x_u, m)
        lam = torch.rand(m, device=x.device).view(m, 1)
        x_mix = (lam * a + (1 - lam) * c).detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(model(x_mix).sum(), x_mix, create_graph=True)
        objective = risk + (args.alpha * grad.square().sum(1).mean()).float()
    value = objective.item()
    lr = args.lr + (0.1 * args.lr - args.lr) * it / (total - 1)
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad()
    if args.optimized:
        objective.backward(inputs=list(model.parameters()))
    else:
        objective.backward()
    optimizer.step()
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=59500)
    parser.add_argument("--n-p", type=int, default=1000)
    parser.add_argument("--dim", type=int, default=784)
    parser.add_argument("--hidden", type=int, nargs="+", default=[300, 300, 300, 300])
    parser.add_argument("--batch", type=int, default=250)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--alpha", type=float, default=0.2)
    parser.add_argument("--beta-max", type=float, default=30.0)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    parser.add_argument("--precision", choices=["float32", "bfloat16"], default="float32")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--optimized", action="store_true",
                        help="the optimizations pulab makes: first-order ReLU, backward to the parameters only")
    parser.add_argument("--profile", type=int, default=0, metavar="STEPS",
                        help="profile STEPS training steps: FLOPs and time per step by operator")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n, n_p = args.n, args.n_p
    device = torch.device(args.device)
    x = torch.randn(n, args.dim).to(device)
    model = Mlp(args.dim, args.hidden, args.optimized).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    batches = (n + args.batch - 1) // args.batch
    total = args.epochs * batches

    if args.profile:
        perm = torch.randperm(n, device=device)
        for b in range(5):  # warm-up, not profiled
            train_step(model, optimizer, x, n, n_p, perm[b * args.batch:(b + 1) * args.batch], b, total, args)
        # The step time without the profiler, which slows every operator call down.
        start = time.perf_counter()
        for b in range(5, 5 + args.profile):
            train_step(model, optimizer, x, n, n_p, perm[b * args.batch:(b + 1) * args.batch], b, total, args)
        wall = (time.perf_counter() - start) / args.profile
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU], with_flops=True) as prof:
            for b in range(5, 5 + args.profile):
                train_step(model, optimizer, x, n, n_p, perm[b * args.batch:(b + 1) * args.batch], b, total, args)
        events = prof.key_averages()
        flops = {e.key: e.flops / args.profile for e in events if e.flops}
        # Self time of ATen operators only (record_function ranges such as Optimizer.step would
        # count the interpreter's time too).
        aten = {e.key: e.self_cpu_time_total / args.profile / 1e6 for e in events if e.key.startswith("aten::")}
        matmul = sum(v for k, v in aten.items() if k in ("aten::mm", "aten::addmm", "aten::bmm", "aten::matmul"))
        print(json.dumps({"contender": "python", "profiled_steps": args.profile,
                          "flops_per_step": sum(flops.values()), "flops_by_op": flops,
                          "wall_seconds_per_step": wall, "aten_seconds_per_step": sum(aten.values()),
                          "matmul_seconds_per_step": matmul,
                          "aten_calls_per_step": sum(e.count for e in events if e.key.startswith("aten::")) / args.profile,
                          "top_aten_seconds_per_step": dict(sorted(aten.items(), key=lambda kv: -kv[1])[:12])}))
        return

    seconds = []
    objective_sum = 0.0
    for epoch in range(args.epochs):
        start = time.perf_counter()
        model.train()
        perm = torch.randperm(n, device=device)
        objective_sum = 0.0
        for b in range(batches):
            objective_sum += train_step(model, optimizer, x, n, n_p, perm[b * args.batch:(b + 1) * args.batch],
                                        epoch * batches + b, total, args)
        if device.type == "cuda":
            torch.cuda.synchronize()  # the last step's backward and update are queued, not done
        seconds.append(time.perf_counter() - start)
    print(json.dumps({"contender": "python", "epoch_seconds": seconds, "mean_objective": objective_sum / batches,
                      "threads": torch.get_num_threads(), "device": args.device,
                      "tf32": bool(torch.backends.cuda.matmul.allow_tf32)}))


if __name__ == "__main__":
    main()
