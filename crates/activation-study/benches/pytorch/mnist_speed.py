"""The PyTorch peer of the training-speed benchmark: the Deep MNIST net trained in plain PyTorch.

The Rust benchmark (benches/training_speed/) runs this script with the setup's venv Python and
compares its images/s with our tch step loop. Both sides read the same MNIST IDX files, start
from the same weights and visit the same images in the same order when --inputs is given (a .npz
the Rust side writes), and with --logdir this script logs what the `train` binary logs, tag for tag
and at the same cadence, through torch.utils.tensorboard. The script prints one JSON line with its throughput and losses.

It also runs on its own, with its own initialisation and shuffling:

    $ACTIVATION_STUDY_PYTHON mnist_speed.py --steps 300 [--logdir /tmp/tb]
"""

import argparse
import json
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

BATCH = 50
LEARNING_RATE = 1e-4
DROPOUT = 0.5
WEIGHT_STD = 0.1
BIAS_INIT = 0.1
LAYERS = ("conv1", "conv2", "fc1")
# Training losses averaged for the reported final training loss.
LAST_LOSSES = 50
# Images of the input batch shown, and the magnification of the 5x5 filters (as in `train`).
INPUT_IMAGES_SHOWN = 16
FILTER_ZOOM = 4
# Variable shapes as the Rust MnistNet creates them: [out, in, kh, kw] and [out, in].
SHAPES = {
    "conv1": (32, 1, 5, 5),
    "conv2": (64, 32, 5, 5),
    "fc1": (1024, 7 * 7 * 64),
    "fc2": (10, 1024),
}
SETUP_HINT = (
    "run ./scripts/setup.sh to fetch MNIST, or point --data-dir (default $ACTIVATION_STUDY_DATA/mnist) "
    "at the directory holding train-images-idx3-ubyte and its three siblings"
)


def fail(message):
    sys.exit(f"mnist_speed.py: {message}")


def read_idx(path, magic, dims):
    """Reads an IDX file, checking its magic number and shape."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        fail(f"MNIST file {path} is missing; {SETUP_HINT}")
    header = 4 + 4 * len(dims)
    if len(raw) < header:
        fail(f"MNIST file {path} is shorter than its {header}-byte header; {SETUP_HINT}")
    found_magic, *found_dims = struct.unpack(f">{1 + len(dims)}I", raw[:header])
    if found_magic != magic:
        fail(f"MNIST file {path} has magic number {found_magic:#010x}, expected {magic:#010x}")
    for got, want in zip(found_dims[1:], dims[1:]):
        if got != want:
            fail(f"MNIST file {path} has shape {found_dims}, expected [n, {dims[1:]}]")
    count = found_dims[0]
    body = np.frombuffer(raw, dtype=np.uint8, offset=header)
    size = count * int(np.prod(dims[1:], dtype=np.int64))
    if body.size != size:
        fail(f"MNIST file {path} promises {size} data bytes but {body.size} follow")
    return body.reshape((count, *dims[1:]))


def load_split(data_dir, split, device):
    """Images as float [n, 1, 28, 28] in [0, 1] and labels as int64, both on `device`."""
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte"), 0x00000803, (0, 28, 28))
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte"), 0x00000801, (0,))
    if images.shape[0] != labels.shape[0]:
        fail(f"MNIST {split}: {images.shape[0]} images but {labels.shape[0]} labels; {SETUP_HINT}")
    xs = torch.from_numpy(images.copy()).to(device).float().div_(255.0).unsqueeze(1)
    ys = torch.from_numpy(labels.astype(np.int64)).to(device)
    return xs, ys


class Layer(torch.nn.Module):
    """One layer's variables, truncated normal weights and constant biases as the tutorial has them."""

    def __init__(self, shape):
        super().__init__()
        weights = torch.empty(shape)
        torch.nn.init.trunc_normal_(weights, std=WEIGHT_STD, a=-2 * WEIGHT_STD, b=2 * WEIGHT_STD)
        self.weights = torch.nn.Parameter(weights)
        self.biases = torch.nn.Parameter(torch.full((shape[0],), BIAS_INIT))


class MnistNet(torch.nn.Module):
    """The tutorial's Deep MNIST net with the variable names (`conv1.weights`) and layouts of our
    Rust MnistNet."""

    def __init__(self):
        super().__init__()
        for layer, shape in SHAPES.items():
            self.add_module(layer, Layer(shape))

    def forward(self, xs, captured=None):
        h = F.relu(F.conv2d(xs, self.conv1.weights, self.conv1.biases, padding=2))
        if captured is not None:
            captured["conv1"] = h
        h = F.max_pool2d(h, 2, 2, ceil_mode=True)
        h = F.relu(F.conv2d(h, self.conv2.weights, self.conv2.biases, padding=2))
        if captured is not None:
            captured["conv2"] = h
        h = F.max_pool2d(h, 2, 2, ceil_mode=True).flatten(1)
        h = F.relu(F.linear(h, self.fc1.weights, self.fc1.biases))
        if captured is not None:
            captured["fc1"] = h
        h = F.dropout(h, DROPOUT, self.training)
        return F.linear(h, self.fc2.weights, self.fc2.biases)


def load_inputs(path, model, device):
    """Copies the initial variables from the .npz the Rust side wrote and returns its batch order."""
    try:
        npz = np.load(path)
    except OSError as e:
        fail(f"cannot read --inputs {path}: {e}")
    with torch.no_grad():
        for name, var in model.named_parameters():
            if name not in npz:
                fail(f"--inputs {path} has no array {name}; it holds {sorted(npz.files)}")
            value = torch.from_numpy(npz[name])
            if value.shape != var.shape:
                fail(f"--inputs {path}: {name} has shape {tuple(value.shape)}, expected {tuple(var.shape)}")
            var.copy_(value.to(device))
    if "order" not in npz:
        fail(f"--inputs {path} has no array 'order' (the training image indices in visiting order)")
    return torch.from_numpy(npz["order"].astype(np.int64)).to(device)


def random_order(count, needed, seed, device):
    """Training image indices in visiting order: a fresh permutation per epoch."""
    generator = torch.Generator().manual_seed(seed)
    epochs = -(-needed // count)
    order = torch.cat([torch.randperm(count, generator=generator) for _ in range(epochs)])
    return order[:needed].to(device)


def per_image_unit_range(xs):
    """Scales each image of an NCHW batch to [0, 1] by its own minimum and maximum."""
    lo = xs.amin(dim=(1, 2, 3), keepdim=True)
    hi = xs.amax(dim=(1, 2, 3), keepdim=True)
    return (xs - lo) / (hi - lo).clamp_min(1e-12)


class RunLog:
    """What the `train` binary logs (crates/activation-study/src/summaries.rs, the MNIST net with
    ReLU), written the way a PyTorch user writes it with torch.utils.tensorboard."""

    def __init__(self, logdir, model):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(logdir)
        self.model = model
        # Sorted by name, the order our RunLog logs the variables in.
        self.params = sorted(model.named_parameters())

    def step_scalars(self, step, cross_entropy, total_loss, logits, labels):
        w = self.writer
        w.add_scalar("cross_entropy", cross_entropy.item(), step)
        w.add_scalar("regularization_loss", 0.0, step)
        w.add_scalar("total_loss", total_loss.item(), step)
        w.add_scalar("train/accuracy", (logits.argmax(-1) == labels).float().mean().item(), step)
        w.add_scalar("learning_rate", LEARNING_RATE, step)

    @torch.no_grad()
    def layers(self, step, captured):
        for layer in LAYERS:
            out = captured[layer]
            self.writer.add_histogram(f"{layer}/activations", out, step)
            self.writer.add_scalar(f"{layer}/sparsity", (out == 0).float().mean().item(), step)

    @torch.no_grad()
    def parameters(self, step):
        for name, var in self.params:
            tag = name.replace(".", "/")
            self.writer.add_histogram(tag, var, step)
            if var.grad is not None:
                self.writer.add_histogram(f"{tag}/gradients", var.grad, step)
                self.writer.add_scalar(f"{tag}/gradient_norm", var.grad.norm().item(), step)

    @torch.no_grad()
    def images(self, step, xs):
        self.writer.add_images("input", per_image_unit_range(xs[:INPUT_IMAGES_SHOWN]), step)
        filters = per_image_unit_range(self.model.conv1.weights)
        filters = F.interpolate(filters, scale_factor=FILTER_ZOOM, mode="nearest")
        self.writer.add_images("conv1/filters", filters, step)

    def close(self):
        self.writer.close()


def mark(device):
    """A window boundary: the time once the device has done the queued work."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter()


def rates(marks, images_per_window, close_seconds):
    """Images/s from the median window (the close spread over the windows) and from the whole
    time, as the Rust side computes them: windows of --hist-every steps each hold one summary
    step, and their median is little disturbed by other work on the machine."""
    seconds = [b - a for a, b in zip(marks, marks[1:])]
    n = len(seconds)
    total = sum(seconds) + close_seconds
    median = statistics.median(seconds)
    return images_per_window / (median + close_seconds / n), n * images_per_window / total


# "diagnostics" is ours alone (train's diagnosis); it stays 0 here.
PHASES = ("batch", "forward", "backward", "optimizer", "scalars", "layers", "parameters", "diagnostics", "images", "close")


class Clock:
    """Wall time per phase of the step (--phases), charged lap by lap as on the Rust side."""

    def __init__(self, on, device):
        self.on = on
        self.cuda = device.type == "cuda"
        self.restart()

    def restart(self):
        self.spent = dict.fromkeys(PHASES, 0.0)
        self.last = time.perf_counter()

    def lap(self, phase):
        if not self.on:
            return
        if self.cuda:
            torch.cuda.synchronize()
        now = time.perf_counter()
        self.spent[phase] += now - self.last
        self.last = now


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_data = os.path.join(os.environ.get("ACTIVATION_STUDY_DATA", ""), "mnist")
    parser.add_argument("--data-dir", default=default_data, help="directory of the four MNIST IDX files")
    parser.add_argument("--steps", type=int, default=300, help="timed training steps")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps before the timed ones")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--seed", type=int, default=0, help="seed for initialisation, shuffling and dropout")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"], help="where to train")
    parser.add_argument("--inputs", help=".npz with the initial variables and the batch order (from the Rust side)")
    parser.add_argument("--logdir", help="log what `train` logs, through torch.utils.tensorboard, into this directory")
    parser.add_argument("--hist-every", type=int, default=10, help="steps between histograms, images and layer scalars")
    parser.add_argument("--phases", action="store_true", help="time each phase of the step")
    parser.add_argument("--test-images", type=int, default=2000, help="test images for the final loss")
    args = parser.parse_args()

    if args.steps <= 0 or args.warmup < 0 or args.threads <= 0 or args.hist_every <= 0:
        fail("--steps, --threads and --hist-every must be positive and --warmup not negative")
    if args.steps % args.hist_every or args.warmup % args.hist_every:
        fail(f"--steps ({args.steps}) and --warmup ({args.warmup}) must be multiples of --hist-every "
             f"({args.hist_every}): throughput is timed in windows of that many steps")
    if args.device == "cuda" and not torch.cuda.is_available():
        fail("--device cuda was requested but torch sees no CUDA device; use --device cpu")
    device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train_x, train_y = load_split(args.data_dir, "train", device)
    test_x, test_y = load_split(args.data_dir, "t10k", device)
    model = MnistNet().to(device)
    total = args.warmup + args.steps
    if args.inputs:
        order = load_inputs(args.inputs, model, device)
        if order.numel() < total * BATCH:
            fail(f"--inputs {args.inputs} orders {order.numel()} images, {total * BATCH} needed")
    else:
        order = random_order(train_x.shape[0], total * BATCH, args.seed, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    log = RunLog(args.logdir, model) if args.logdir else None
    # Dropout masks follow the seed from here on, as on the Rust side.
    torch.manual_seed(args.seed)

    model.train()
    clock = Clock(args.phases, device)
    captured = {}
    losses = []
    marks = []
    # Steps count from 1 and the first, every --hist-every-th and the last step get the full
    # summaries, as in `train`.
    for step in range(1, total + 1):
        timed = step > args.warmup
        if step == args.warmup + 1:
            marks.append(mark(device))
            clock.restart()
        summarise = log is not None and (step == 1 or step % args.hist_every == 0 or step == total)
        idx = order[(step - 1) * BATCH:step * BATCH]
        xs, ys = train_x[idx], train_y[idx]
        clock.lap("batch")
        logits = model(xs, captured if summarise else None)
        cross_entropy = F.cross_entropy(logits, ys)
        clock.lap("forward")
        optimizer.zero_grad()
        clock.lap("optimizer")
        cross_entropy.backward()
        clock.lap("backward")
        optimizer.step()
        clock.lap("optimizer")
        if log is not None:
            log.step_scalars(step, cross_entropy, cross_entropy, logits, ys)
            clock.lap("scalars")
            if summarise:
                log.layers(step, captured)
                clock.lap("layers")
                log.parameters(step)
                clock.lap("parameters")
                log.images(step, xs)
                clock.lap("images")
        if step > total - LAST_LOSSES:
            losses.append(cross_entropy.detach())
        clock.lap("batch")
        if timed and step % args.hist_every == 0:
            marks.append(mark(device))
    closing = time.perf_counter()
    if log is not None:
        log.close()
        clock.lap("close")
    images_per_s, mean_images_per_s = rates(marks, args.hist_every * BATCH, time.perf_counter() - closing)

    model.eval()
    with torch.no_grad():
        n = min(args.test_images, test_x.shape[0])
        logits = model(test_x[:n])
        test_loss = F.cross_entropy(logits, test_y[:n]).item()
        test_accuracy = (logits.argmax(-1) == test_y[:n]).float().mean().item()
    print(json.dumps({
        "stack": "pytorch",
        "torch": torch.__version__,
        "device": args.device,
        "threads": torch.get_num_threads(),
        "logging": log is not None,
        "steps": args.steps,
        "batch": BATCH,
        "images_per_s": images_per_s,
        "mean_images_per_s": mean_images_per_s,
        "train_loss_last50": torch.stack(losses).mean().item(),
        "test_loss": test_loss,
        "test_accuracy": test_accuracy,
        "phases": clock.spent if args.phases else None,
    }))


if __name__ == "__main__":
    main()
