"""Train independent GAN runs (one per seed) together as one batched model.

`discrete-gan train --names data/processed/names.txt --seeds 0 1 2
--out-dir results/corrected/runs` writes, per seed, `seed{N}/losses.csv`, `checkpoint.pt`,
`samples.txt`, `forced.txt` and `final.json` (and `heldout_nll.csv` with `--heldout`).
Each run's numbers come from its own seed only (see `seeding.py`), so training seeds together
or one by one gives the same results to float tolerance.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import torch

from discrete_gan.backends import Backend, gumbel_softmax, torch_runs
from discrete_gan.config import ModelConfig, TrainConfig
from discrete_gan.fileio import UserError
from discrete_gan.model.networks import Discriminator, Generator, init_uniform_
from discrete_gan.model.objectives import (
    IS_GAN_BROADCAST,
    IS_GAN_BROADCAST_LOG_SIGMOID,
    GeneratorObjective,
    batch_likelihood_loss,
    generator_objective,
    is_gan_weight_diagnostics,
    mle_loss,
    update_baseline,
)
from discrete_gan.training.progress import progress
from discrete_gan.training.seeding import (
    discriminator_draws,
    epoch_draws,
    final_draws,
    gumbel_draws,
    run_generator,
)

# The objective of a method's pre-training epochs (`pretrain_epochs`): maximum likelihood, with
# the discriminator left untrained until the method's own epochs begin.
PRETRAINING = GeneratorObjective(mle_loss, "real", discriminator=False)


@dataclass
class RunResult:
    """Everything one run produced."""

    seed: int
    d_loss: list[float]  # per epoch: mean of the batch losses
    g_loss: list[float]
    generator: dict[str, torch.Tensor]
    discriminator: dict[str, torch.Tensor]
    samples: list[str]
    forced: list[str]
    heldout_nll: list[tuple[int, float]] = field(default_factory=list)  # (epochs trained, nll)
    ess: list[float] = field(default_factory=list)  # is_gan: per epoch, of the batch weights
    half_weight_length: list[float] = field(default_factory=list)  # is_gan: per epoch
    g_own: list[float] = field(default_factory=list)  # is_gan: per epoch, see train_epoch
    final: dict = field(default_factory=dict)  # the final discriminator's accuracy


def initial_states(rng: torch.Generator, model: ModelConfig) -> tuple[dict, dict]:
    """A run's initial generator and discriminator state_dicts, drawn from `rng` in that order."""
    gen, disc = Generator(model), Discriminator(model)
    init_uniform_(gen, model.hidden_size, rng)
    init_uniform_(disc, model.hidden_size, rng)
    return gen.state_dict(), disc.state_dict()


def epoch_batches(ids: torch.Tensor, orders: torch.Tensor, n_batches: int, size: int):
    """Every batch of an epoch in one gather: ids (steps, names) shuffled by each run's order
    (runs, names) -> (batches, runs, steps, batch); the last partial batch is dropped."""
    steps, runs = ids.shape[0], orders.shape[0]
    picked = ids[:, orders[:, : n_batches * size]]  # (steps, runs, batches*batch)
    return picked.view(steps, runs, n_batches, size).permute(2, 1, 0, 3).contiguous()


@torch.no_grad()
def shares_right(backend, disc, real: torch.Tensor, fake: torch.Tensor):
    """Per run, the share of real and of fake ids (runs, steps, n) that the discriminator
    judges right (logit > 0 means "real"), each (runs,) on the CPU."""
    real_ok = (backend.discriminator_logits(disc, real) > 0).double().mean(1)
    fake_ok = (backend.discriminator_logits(disc, fake) <= 0).double().mean(1)
    return real_ok.cpu(), fake_ok.cpu()


def per_run_mean(values: torch.Tensor) -> torch.Tensor:
    """Each run's mean over the batches of an epoch, (batches, runs) -> (runs,) float64, summed
    exactly: a reduction over the whole tensor would round differently with the number of runs
    beside it, and a run's losses.csv must not depend on which runs share its job."""
    means = [math.fsum(column) / len(column) for column in values.T.double().cpu().tolist()]
    return torch.tensor(means, dtype=torch.float64)


def check_finite(losses: torch.Tensor, name: str, seeds: list[int], epoch: int) -> None:
    """Stop with an error naming run, epoch and batch if a loss (batches, runs) is not finite."""
    bad = (~torch.isfinite(losses)).nonzero()
    if len(bad):
        batch, run = bad[0].tolist()
        raise UserError(
            f"the {name} loss of run seed {seeds[run]} became {losses[batch, run].item()} in epoch "
            f"{epoch} batch {batch}; lower the learning rate or use dtype float64 and retry"
        )


class Network:
    """One network's stacked parameters {name: (runs, ...)} as views of one flat tensor, with
    its Adam optimiser: one tensor to update makes the optimiser step cheap. Adam is
    elementwise, so each run keeps its own optimiser state. `adam` is PyTorch's (fused), or a
    class like `numba_runs.Adam` taking the flat tensor and the learning rate."""

    def __init__(self, states: list[dict[str, torch.Tensor]], device, dtype, lr: float, adam=None):
        stacked = torch_runs.stack_states(states, device, dtype)
        self.flat = torch.cat([v.detach().reshape(-1) for v in stacked.values()])
        self.flat.requires_grad_()
        self.params, start = {}, 0
        for key, value in stacked.items():
            self.params[key] = self.flat[start : start + value.numel()].view(value.shape)
            start += value.numel()
        self.kernel_adam = adam(self.flat, lr) if adam is not None else None
        self.optimizer = torch.optim.Adam([self.flat], lr=lr, fused=True) if adam is None else None

    def step(self, grads: dict[str, torch.Tensor] | torch.Tensor) -> None:
        """One Adam step with the gradients {name: (runs, ...)} of the parameters, or with the
        gradient of the flat tensor."""
        if isinstance(grads, dict):
            grads = [grads[key] for key in self.params]
        if self.kernel_adam is not None:
            with torch.no_grad():
                self.kernel_adam.step(grads)
            return
        if isinstance(grads, list):
            grads = torch.cat([grad.reshape(-1) for grad in grads])
        self.flat.grad = grads
        self.optimizer.step()

    def set_lr(self, lr: float) -> None:
        if self.kernel_adam is not None:
            self.kernel_adam.lr = lr
            return
        for group in self.optimizer.param_groups:
            group["lr"] = lr


class BatchedTrainer:
    """Runs `seeds` in lockstep: stacked parameters, one Adam per network (elementwise per run)."""

    def __init__(
        self, names, seeds, model, train, device, dtype, backend=torch_runs.BACKEND, heldout=None
    ):
        if len(names) < train.batch_size:
            raise UserError(
                f"the corpus has {len(names)} names, fewer than one batch of {train.batch_size}; "
                "lower batch_size in the config or check the filtered names"
            )
        longest = max(map(len, names))
        if longest >= model.max_steps:
            raise UserError(
                f"the longest name has {longest} letters but a sequence of max_steps="
                f"{model.max_steps} symbols holds at most {model.max_steps - 1} and its end "
                "symbol; filter with a max_len below max_steps or raise max_steps"
            )
        self.seeds, self.model, self.train = list(seeds), model, train
        self.device, self.dtype = device, dtype
        self.n_names = len(names)
        if model.code_data and train.objective == "gumbel":
            raise UserError(
                "the gumbel objective samples names that stop at `$`; train it with "
                "variant corrected"
            )
        self.vocab = model.vocab
        # (steps, names): real names padded to real_steps symbols
        self.ids = self.vocab.encode_batch(names, model.real_steps).T.contiguous().to(device)
        self.whole = model.code_data  # likelihoods over every padded position
        self.stop = not model.code_data  # sampling stops at `$`
        self.ban_start = model.ban_start
        self.log_sigmoid = model.switches.log_sigmoid
        self.d_divisor = model.d_loss_divisor
        self.rngs = [run_generator(seed) for seed in self.seeds]
        gen_states, disc_states = zip(*(initial_states(rng, model) for rng in self.rngs))
        self.generator = Network(list(gen_states), device, dtype, train.lr, backend.adam)
        self.discriminator = Network(list(disc_states), device, dtype, train.lr, backend.adam)
        self.gen, self.disc = self.generator.params, self.discriminator.params
        self.net = backend  # the batched model functions (`backends.Backend`)
        self.method = variant_objective(model, train.objective)  # the runs' objective
        self._use(self.method)
        self.baseline = None  # reinforce's moving-average reward (runs,)
        self.n_batches = len(names) // train.batch_size  # the last partial batch is dropped
        self.heldout = None
        if heldout:
            ids = self.vocab.encode_batch(heldout, model.real_steps).T  # (steps, names)
            self.heldout = ids.expand(len(self.seeds), -1, -1).contiguous().to(device)
            # symbols scored: each name's letters and its `$` (all padded positions if whole)
            per_name = [model.real_steps if self.whole else len(n) + 1 for n in heldout]
            self.heldout_chars = sum(per_name)

    def _use(self, objective: GeneratorObjective) -> None:
        """Train with `objective` from now on (the method's own, or MLE while pre-training)."""
        self.objective = objective
        closed_form = objective.value_and_grad
        self.value_and_grad = self.net.objective_kernels.get(closed_form, closed_form)

    def _draws(self) -> tuple[torch.Tensor, ...]:
        """This epoch's shuffles (runs, names) and sampling uniforms (batches, runs, draws,
        batch); for the Gumbel-softmax method its uniforms (batches, runs, draws, batch, vocab),
        and with d_steps > 1 the uniforms of the extra discriminator steps' samples (batches,
        runs, d_steps - 1, draws, batch), each drawn only where the method needs them (else
        None), after the others, so that the default settings draw what they always drew.
        Each run draws from its own generator, in the order of `seeding`; runs draw on the
        backend's threads at once (PyTorch's generators run without the GIL)."""
        shape = (self.n_batches, self.train.batch_size, self.model.free_draws)
        extra_steps = self.train.d_steps - 1 if self.method.discriminator else 0
        runs = len(self.rngs)
        orders = torch.empty(runs, self.n_names, dtype=torch.long)
        uniforms = torch.empty(self.n_batches, runs, shape[2], shape[1])
        gumbel = extra = None
        if self.method.names == "relaxed":
            gumbel = torch.empty(*uniforms.shape, self.vocab.size)
        if extra_steps:
            extra = torch.empty(self.n_batches, runs, extra_steps, shape[2], shape[1])

        def draw(run: int) -> None:
            rng = self.rngs[run]
            orders[run], uniforms[:, run] = epoch_draws(rng, self.n_names, *shape)
            if gumbel is not None:
                gumbel[:, run] = gumbel_draws(rng, *shape, self.vocab.size)
            if extra is not None:
                extra[:, run] = discriminator_draws(rng, *shape, extra_steps)

        with ThreadPoolExecutor(cpu_threads(self.net)) as pool:
            list(pool.map(draw, range(runs)))

        def moved(draws: torch.Tensor | None) -> torch.Tensor | None:
            return None if draws is None else draws.to(self.device, self.dtype)

        return orders.to(self.device), moved(uniforms), moved(gumbel), moved(extra)

    def _step(self, real: torch.Tensor, uniforms: torch.Tensor, gumbel, extra):
        """d_steps discriminator steps, then one generator step with the updated discriminator.

        real (runs, real_steps, batch) symbol ids, uniforms (runs, free_draws, batch); gumbel
        (runs, max_steps - 1, batch, vocab) only for the Gumbel-softmax method; extra (runs,
        d_steps - 1, free_draws, batch): the uniforms of the extra discriminator steps' fresh
        samples (the first step judges the samples the generator step uses)."""
        relaxed_fake = None
        if self.objective.names == "relaxed":
            fake, relaxed_fake = self.net.relaxed_sample(self.gen, gumbel, self.tau)
        elif self.objective.discriminator:
            fake = self._sample(uniforms)
        if self.objective.discriminator:
            d_losses = []
            for k in range(self.train.d_steps):
                judged = fake if k == 0 else self._sample(extra[:, k - 1])
                d_loss, grads = self.net.discriminator_step(
                    self.disc, real, judged, self.log_sigmoid, self.d_divisor
                )  # (runs,)
                self.discriminator.step(grads)
                d_losses.append(d_loss)
            d_loss = d_losses[0] if len(d_losses) == 1 else torch.stack(d_losses).mean(0)
        else:  # no discriminator at all (or pre-training): nothing is sampled or judged
            d_loss = torch.full((len(self.seeds),), torch.nan)
        if relaxed_fake is not None:
            g_loss = self._relaxed_generator_step(relaxed_fake)
        else:
            g_loss = self._generator_step(real if self.objective.names == "real" else fake)
        return d_loss.detach(), g_loss.detach()

    def _sample(self, uniforms: torch.Tensor, forced: bool = False) -> torch.Tensor:
        """Names (runs, steps, batch) drawn with uniforms (runs, draws, batch), as the variant
        samples them."""
        return self.net.generator_sample(
            self.gen, uniforms, forced=forced, stop=self.stop, ban_start=self.ban_start
        )

    def _generator_step(self, names: torch.Tensor) -> torch.Tensor:
        """A generator step of a log-likelihood objective on names (runs, steps, batch), real
        or generated; returns the loss (runs,)."""
        logits = None
        if self.objective.discriminator:
            with torch.no_grad():
                logits = self.net.discriminator_logits(self.disc, names)  # updated discriminator
        log_p, pullback = self.net.generator_log_likelihood_vjp(
            self.gen, names, self.whole, self.ban_start
        )
        g_loss, grad_log_p = self._objective(logits, log_p)
        if self.objective is self.method and self.train.objective == "is_gan":
            self._weights.append(-grad_log_p)  # the normalised importance weights
            self._own.append(batch_likelihood_loss(None, log_p.detach().double()))  # (runs,)
        self.generator.step(pullback(grad_log_p))
        return g_loss

    def _relaxed_generator_step(self, relaxed_fake) -> torch.Tensor:
        """A generator step of the Gumbel-softmax method: the loss of the updated
        discriminator's logits, differentiated back through the relaxed samples (from the
        backend's `relaxed_sample`) into the generator; returns the loss (runs,)."""
        logits, pullback = self.net.relaxed_logits_vjp(self.disc, self.gen, relaxed_fake)
        logits.requires_grad_()  # (runs, batch)
        g_loss = self.objective.loss(logits)
        (grad_logits,) = torch.autograd.grad(g_loss.sum(), logits)
        self.generator.step(pullback(grad_logits))
        return g_loss

    def _objective(self, logits: torch.Tensor, log_p: torch.Tensor):
        """The generator loss (runs,) and its gradient with respect to log_p (runs, batch)."""
        objective = self.objective
        if objective.names == "fake" and self.baseline is None:
            self.baseline = update_baseline(None, logits, self.train.baseline_decay)
        if self.value_and_grad is not None:
            loss, grad = self.value_and_grad(logits, log_p, self.baseline)
        else:
            log_p.requires_grad_()
            loss = objective.loss(logits, log_p, self.baseline)
            (grad,) = torch.autograd.grad(loss.sum(), log_p)
        if objective.names == "fake":
            self.baseline = update_baseline(self.baseline, logits, self.train.baseline_decay)
        return loss, grad

    @torch.no_grad()
    def heldout_nll(self) -> torch.Tensor:
        """Each run's negative log-likelihood of the held-out names, nats per symbol (runs,)."""
        log_p = self.net.generator_log_likelihood(
            self.gen, self.heldout, self.whole, self.ban_start
        )
        return -log_p.sum(-1).double().cpu() / self.heldout_chars

    def train_epoch(self, epoch: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Train one epoch; the mean batch losses per run, (runs,) each. Under is_gan it also
        sets `diagnostics`, the epoch means per run of the weights' effective sample size and
        half-weight length, and of the generator's own term of its loss, `-log(mean_j
        P_G(x_j))` over the real batch: the whole loss less the part that moves with the
        discriminator (claim 2 judges the generator's progress on it)."""
        for network in (self.generator, self.discriminator):
            network.set_lr(self.train.lr_at(epoch))
        train = self.train
        self.tau = gumbel_softmax.temperature_at(
            epoch, train.epochs, train.gumbel_tau_start, train.gumbel_tau_end
        )
        self._use(PRETRAINING if epoch < train.pretrain_epochs else self.method)
        orders, uniforms, gumbel, extra = self._draws()
        reals = epoch_batches(self.ids, orders, self.n_batches, self.train.batch_size)
        d_losses, g_losses, self._weights, self._own = [], [], [], []
        for b in range(self.n_batches):
            d, g = self._step(
                reals[b],
                uniforms[b],
                None if gumbel is None else gumbel[b],
                None if extra is None else extra[b],
            )
            d_losses.append(d)
            g_losses.append(g)
        d_losses, g_losses = torch.stack(d_losses), torch.stack(g_losses)  # (batches, runs)
        if self.objective.discriminator:
            check_finite(d_losses, "discriminator", self.seeds, epoch)
        check_finite(g_losses, "generator", self.seeds, epoch)
        self.diagnostics = None
        if self._weights:  # (batches, runs, batch) weights and name lengths
            lengths = (reals != self.vocab.end_id).sum(2)
            ess, half = is_gan_weight_diagnostics(torch.stack(self._weights), lengths)
            own = per_run_mean(torch.stack(self._own))  # (runs,)
            self.diagnostics = (per_run_mean(ess), per_run_mean(half), own)
        elif self.train.objective == "is_gan":  # a pre-training epoch: no weights to describe
            undefined = torch.full((len(self.seeds),), math.nan, dtype=torch.float64)
            self.diagnostics = (undefined, undefined, undefined)
        return per_run_mean(d_losses), per_run_mean(g_losses)

    def final_names(self) -> tuple[list[list[str]], list[list[str]]]:
        """Per run, `n_samples` freely sampled names and as many forced to max_steps letters.
        With the code's data the free samples keep all their symbols, `$` included, and with
        the start symbol among the outputs every sample keeps its `.`."""
        model, n = self.model, self.train.n_samples
        free, forced = zip(
            *(final_draws(rng, n, model.free_draws, model.max_steps) for rng in self.rngs)
        )
        samples = []
        for uniforms, is_forced in ((free, False), (forced, True)):
            uniforms = torch.stack([u.T for u in uniforms]).to(self.device, self.dtype)
            ids = self._sample(uniforms, forced=is_forced).cpu()
            raw = (model.code_data and not is_forced) or not model.ban_start
            decode = self.vocab.decode_raw if raw else self.vocab.decode_batch
            samples.append([decode(run_ids.T) for run_ids in ids])  # (batch, steps)
        return samples[0], samples[1]

    @torch.no_grad()
    def discriminator_accuracy(self) -> list[dict]:
        """Per run, the final discriminator's accuracy (logit > 0 means "real") on every real
        name and on as many fresh samples, drawn after `final_names`'s."""
        n = self.n_names
        if not self.method.discriminator:
            return [{} for _ in self.seeds]
        uniforms = torch.stack(
            [torch.rand(self.model.free_draws, n, generator=rng) for rng in self.rngs]
        ).to(self.device, self.dtype)  # (runs, draws, n)
        fake = self._sample(uniforms)
        real = self.ids.expand(len(self.seeds), -1, -1).contiguous()  # (runs, steps, n)
        real_ok, fake_ok = shares_right(self.net, self.disc, real, fake)
        return [
            {
                "d_accuracy": float(r + f) / 2,
                "d_accuracy_real": float(r),
                "d_accuracy_fake": float(f),
                "n_real": n,
                "n_fake": n,
            }
            for r, f in zip(real_ok, fake_ok)
        ]


def train_runs(
    names: list[str],
    seeds: list[int],
    model: ModelConfig,
    train: TrainConfig,
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    backend: str = "auto",
    log=print,
    heldout: list[str] | None = None,
) -> list[RunResult]:
    """Train one run per seed, all in one batched model; returns each run's results. With
    `heldout` names, each run's held-out NLL is measured before training, every `eval_every`
    epochs and after the last one."""
    trainer = BatchedTrainer(
        names, seeds, model, train, device, dtype, choose_backend(backend, device, dtype), heldout
    )
    history: list[tuple[torch.Tensor, torch.Tensor]] = []
    diagnostics: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []
    curve: list[tuple[int, torch.Tensor]] = []
    if heldout:
        curve.append((0, trainer.heldout_nll()))
    start = time.perf_counter()
    for epoch in range(train.epochs):
        d, g = trainer.train_epoch(epoch)
        history.append((d, g))
        if trainer.diagnostics is not None:
            diagnostics.append(trainer.diagnostics)
        message = (
            f"epoch {epoch + 1}/{train.epochs}  d_loss mean {d.mean():.4g} "
            f"[{d.min():.4g}, {d.max():.4g}]  g_loss mean {g.mean():.4g} "
            f"[{g.min():.4g}, {g.max():.4g}]"
        )
        if heldout and ((epoch + 1) % train.eval_every == 0 or epoch + 1 == train.epochs):
            curve.append((epoch + 1, trainer.heldout_nll()))
            message += f"  held-out nll/char mean {curve[-1][1].mean():.4g}"
        log(f"{message}  {progress(epoch + 1, train.epochs, time.perf_counter() - start)}")
    samples, forced = trainer.final_names()
    final = trainer.discriminator_accuracy()
    return [
        RunResult(
            seed=seed,
            d_loss=[float(d[k]) for d, _ in history],
            g_loss=[float(g[k]) for _, g in history],
            generator=torch_runs.unstack_state(trainer.gen, k),
            discriminator=torch_runs.unstack_state(trainer.disc, k),
            samples=samples[k],
            forced=forced[k],
            heldout_nll=[(epoch, float(nll[k])) for epoch, nll in curve],
            ess=[float(ess[k]) for ess, _, _ in diagnostics],
            half_weight_length=[float(half[k]) for _, half, _ in diagnostics],
            g_own=[float(own[k]) for _, _, own in diagnostics],
            final=final[k],
        )
        for k, seed in enumerate(seeds)
    ]


def variant_objective(model: ModelConfig, name: str):
    """The generator objective `name` as the model's variant computes it: under the
    `broadcast_loss` switch the paper's `is_gan` becomes the published code's broadcast loss
    (the switch concerns that loss only)."""
    switches = model.switches
    if switches.broadcast_loss and name == "is_gan":
        return IS_GAN_BROADCAST_LOG_SIGMOID if switches.log_sigmoid else IS_GAN_BROADCAST
    return generator_objective(name)


def choose_backend(name: str, device: str, dtype: torch.dtype) -> Backend:
    """The backend computing the batched models: `numba` (numba kernels, CPU float32) or
    `torch` (PyTorch, any device). `auto` takes the numba kernels wherever they apply."""
    if name == "auto":
        name = "numba" if device == "cpu" and dtype == torch.float32 else "torch"
    if name == "torch":
        return torch_runs.BACKEND
    if device != "cpu" or dtype != torch.float32:
        raise UserError(
            "backend 'numba' runs on the CPU in float32 only; set backend: auto or torch"
        )
    from discrete_gan.backends import numba_runs  # imports numba: kernels compile on first use

    return numba_runs.BACKEND


def set_threads(threads: int, backend: Backend) -> None:
    """Give `threads` CPU threads to the backend's parallel part: the numba kernels (which split
    the runs; PyTorch then keeps one thread, since two thread pools spinning on the same cores
    slow each other down) or PyTorch's intra-op pool.

    Subnormal floats are flushed to zero first, before any thread pool starts (new threads
    inherit the setting): a saturating discriminator produces gradients around 1e-40, and
    arithmetic on such numbers is many times slower on x86 CPUs while changing no result that
    a float32 run can show (`tests/test_train.py` checks every kernel thread).
    """
    if threads < 1:
        raise UserError(f"threads must be at least 1, not {threads}")
    torch.set_flush_denormal(True)
    if backend.name == "torch":
        torch.set_num_threads(threads)
        return
    import numba

    torch.set_num_threads(1)
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def cpu_threads(backend: Backend) -> int:
    """The CPU threads that `set_threads` gave the backend's parallel part."""
    if backend.name == "torch":
        return torch.get_num_threads()
    import numba

    return numba.get_num_threads()


def resolve_device(name: str) -> str:
    """`auto` picks a GPU when one is present, else the CPU."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError(
            "device 'cuda' was requested but no GPU is visible; set device: auto or cpu"
        )
    return name
