#!/usr/bin/env python3
"""Golden trajectories for catalogue II (issue 11, Part 2): Golden/optimizer-<name>.json in the
format of make_optimizer_golden.py, read by Tests/DescentOptimizersTests/OptimizerParityTests.swift.

References and versions (checked at start-up; each file's "reference" names its own):
  torch 2.13.0+cpu        torch.optim NAdam, RAdam, Adamax, ASGD, Rprop, Adafactor, LBFGS, Muon
                          (single-tensor path: foreach=False, as torch picks on CPU)
  optax 0.2.8 (jax x64)   optax.lion, lamb, lars, adabelief, yogi, adan, novograd, sm3, fromage,
                          signum, polyak_sgd, optimistic_gradient_descent, optimistic_adam_v2;
                          optax.contrib schedule_free_adamw, schedule_free_sgd, prodigy,
                          dadapt_adamw, dog, dowg, cocob, mechanize, momo, madgrad, adopt, ademamix
Optax runs eagerly (no jit), so XLA fuses nothing and every jnp operation rounds on its own; the
parameters are a list of arrays in the order of the Swift ParameterTree (Rosenbrock: one [2]
array; MLP: 0.weight, 0.bias, 2.weight, 2.bias), updates applied with optax.apply_updates
(p + u, Optax's sign convention: u already holds -lr * direction).

Problems (optimizer_problems.py, shared with make_optimizer_golden.py): Rosenbrock from
(-1.5, 2) with the analytic gradient, and the 4-8-3 SiLU MLP with its fixed data and initial
parameters, gradients by torch autograd in float64 for both references.

Hyperparameter names: the `--set` names of issue 11 (camelCase). Per optimizer, MAPS below gives
the camelCase name -> reference argument; a reference option without a name stays at its default.
Every case records settings (learningRate always) and the trajectory (flattened parameters after
steps 0..100). Extra case keys, ignored by OptimizerParityTests and there for the Swift side:
  losses                (polyak-sgd, momo, lbfgs) the loss at the parameters before each step,
                        as the reference was given it (polyak-sgd/momo take it as `value`);
  averagedTrajectory    (asgd) torch's averaged iterate `ax` after steps 0..100;
  evaluationTrajectory  (schedule-free-*) optax.contrib.schedule_free_eval_params after 0..100;
  evaluations           (lbfgs) cumulative loss/gradient evaluations (closure calls) per step.
The Rosenbrock loss is (1-x)*(1-x) + 100*r*r with r = y - x*x, in that order.

Each case is also re-run with every gradient (and loss) multiplied by 1 + 1e-15*s, s = +-1
seeded (about 5 ulps, more than Descent's autodiff and torch's differ by): the largest deviation
of that run, as a fraction of the parity tests' tolerance (1e-9 relative + 1e-12 absolute), is
printed as "sensitivity". The learning rates below keep every case under 0.2, so ulp-level
gradient differences cannot grow past the tolerance through the optimizer's own dynamics.

Run:  /work/venv/bin/python scripts/golden/make_catalogue2_golden.py [name ...]
It compares with checked-in files and reports the largest difference; it rewrites a file only
when asked (DESCENT_REWRITE_GOLDEN=1) or when the file does not exist yet.
"""
import importlib.metadata
import json
import math
import os
import sys

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
import optax.contrib  # noqa: E402
import torch  # noqa: E402

from optimizer_problems import (STEPS, ROSENBROCK_START, MLP_PARAMETER_ORDER, mlp_document,  # noqa: E402
                                mlp_loss, mlp_setup, rosenbrock_gradient, rosenbrock_loss)

EXPECTED = {"torch": "2.13.0+cpu", "optax": "0.2.8"}
FOUND = {"torch": torch.__version__, "optax": importlib.metadata.version("optax")}
if FOUND != EXPECTED:
    sys.exit(f"need {EXPECTED}, found {FOUND}")

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "Tests", "DescentOptimizersTests", "Golden")
TORCH = f"torch {torch.__version__}"
OPTAX = f"optax {FOUND['optax']} (jax {jax.__version__}, float64, eager)"
SENSITIVITY_LIMIT = 0.2


# ---------------------------------------------------------------------------------------------
# camelCase --set names -> reference arguments. A tuple target ("betas", 0) fills a tuple
# argument whose other entries keep the reference default.

def mapped(settings, names, tuples=None):
    """Reference keyword arguments from camelCase settings, by the table `names`."""
    kw = {}
    for key, value in settings.items():
        target = names[key]
        if isinstance(target, tuple):
            arg, index = target
            current = list(kw.get(arg, tuples[arg]))
            current[index] = value
            kw[arg] = tuple(current)
        else:
            kw[target] = value
    return kw


ADAM_NAMES = {"learningRate": "lr", "beta1": ("betas", 0), "beta2": ("betas", 1),
              "epsilon": "eps", "weightDecay": "weight_decay"}
BETAS = {"betas": (0.9, 0.999)}
OPTAX_ADAM_NAMES = {"learningRate": "learning_rate", "beta1": "b1", "beta2": "b2", "beta3": "b3",
                    "epsilon": "eps", "epsilonRoot": "eps_root", "weightDecay": "weight_decay"}

MAPS = {
    # torch.optim
    "nadam": {**ADAM_NAMES, "momentumDecay": "momentum_decay",
              "decoupledWeightDecay": "decoupled_weight_decay"},
    "radam": {**ADAM_NAMES, "decoupledWeightDecay": "decoupled_weight_decay"},
    "adamax": ADAM_NAMES,
    "asgd": {"learningRate": "lr", "decay": "lambd", "alpha": "alpha", "t0": "t0",
             "weightDecay": "weight_decay"},
    "rprop": {"learningRate": "lr", "etaMinus": ("etas", 0), "etaPlus": ("etas", 1),
              "stepSizeMin": ("step_sizes", 0), "stepSizeMax": ("step_sizes", 1)},
    "adafactor": {"learningRate": "lr", "beta2Decay": "beta2_decay", "epsilon1": ("eps", 0),
                  "epsilon2": ("eps", 1), "clipThreshold": "d", "weightDecay": "weight_decay"},
    "lbfgs": {"learningRate": "lr", "historySize": "history_size", "maxIterations": "max_iter",
              "lineSearch": "line_search_fn", "toleranceGrad": "tolerance_grad",
              "toleranceChange": "tolerance_change"},
    "muon": {"learningRate": "lr", "weightDecay": "weight_decay", "momentum": "momentum",
             "nesterov": "nesterov", "epsilon": "eps", "newtonSchulzSteps": "ns_steps",
             "adjustLearningRate": "adjust_lr_fn"},
    # optax
    "lion": OPTAX_ADAM_NAMES, "lamb": OPTAX_ADAM_NAMES, "adabelief": OPTAX_ADAM_NAMES,
    "yogi": OPTAX_ADAM_NAMES, "adan": OPTAX_ADAM_NAMES, "novograd": OPTAX_ADAM_NAMES,
    "lars": {"learningRate": "learning_rate", "weightDecay": "weight_decay",
             "trustCoefficient": "trust_coefficient", "epsilon": "eps", "momentum": "momentum",
             "nesterov": "nesterov"},
    # optax.sm3(lr, momentum) is chain(scale_by_sm3(b1=momentum, b2=1, eps=1e-8), scale(-lr));
    # the script builds that chain itself (bit-identical at those defaults) so that
    # scale_by_sm3's b2 and eps are reachable as beta2 and epsilon.
    "sm3": {"learningRate": "learning_rate", "momentum": "b1", "beta2": "b2", "epsilon": "eps"},
    "fromage": {"learningRate": "learning_rate", "minNorm": "min_norm"},
    "signum": {"learningRate": "learning_rate", "beta": "beta"},
    # polyak_sgd has no learning rate: learningRate is its `scaling` (the factor on the Polyak
    # step), maxLearningRate its cap.
    "polyak-sgd": {"learningRate": "scaling", "maxLearningRate": "max_learning_rate",
                   "minimumLoss": "f_min", "epsilon": "eps", "variant": "variant"},
    "optimistic-gd": {"learningRate": "learning_rate", "alpha": "alpha", "beta": "beta"},
    "optimistic-adam": {**OPTAX_ADAM_NAMES, "alpha": "alpha", "beta": "beta",
                        "nesterov": "nesterov"},
    "schedule-free-adamw": {**OPTAX_ADAM_NAMES, "warmupSteps": "warmup_steps",
                            "weightLearningRatePower": "weight_lr_power"},
    "schedule-free-sgd": {"learningRate": "learning_rate", "warmupSteps": "warmup_steps",
                          "beta1": "b1", "weightDecay": "weight_decay",
                          "weightLearningRatePower": "weight_lr_power"},
    "prodigy": {"learningRate": "learning_rate", "beta1": ("betas", 0), "beta2": ("betas", 1),
                "beta3": "beta3", "epsilon": "eps", "d0": "estim_lr0",
                "dCoefficient": "estim_lr_coef", "weightDecay": "weight_decay",
                "safeguardWarmup": "safeguard_warmup"},
    "dadapt-adamw": {"learningRate": "learning_rate", "beta1": ("betas", 0),
                     "beta2": ("betas", 1), "epsilon": "eps", "d0": "estim_lr0",
                     "weightDecay": "weight_decay"},
    # dog's init_step is ("heuristic", rEpsilon): the initial movement is rEpsilon*(1+|x0|).
    "dog": {"learningRate": "learning_rate", "rEpsilon": ("init_step", 1), "epsilon": "eps",
            "weightDecay": "weight_decay"},
    "dowg": {"learningRate": "learning_rate", "initialSquaredDistance": "init_estim_sq_dist",
             "epsilon": "eps", "weightDecay": "weight_decay"},
    "cocob": {"learningRate": "learning_rate", "alpha": "alpha", "epsilon": "eps",
              "weightDecay": "weight_decay"},
    # mechanize wraps a base optimizer: here optax.adam(learningRate) with Adam's defaults.
    "mechanize": {"learningRate": "learning_rate", "weightDecay": "weight_decay",
                  "epsilon": "eps", "initialScale": "s_init", "betaCount": "num_betas"},
    "momo": {"learningRate": "learning_rate", "beta": "beta", "lowerBound": "lower_bound",
             "weightDecay": "weight_decay", "adaptLowerBound": "adapt_lower_bound"},
    "madgrad": {"learningRate": "learning_rate", "momentum": "momentum",
                "weightDecay": "weight_decay", "epsilon": "eps"},
    "adopt": {**OPTAX_ADAM_NAMES, "nesterov": "nesterov", "useClipping": "use_clipping"},
    "ademamix": {**OPTAX_ADAM_NAMES, "alpha": "alpha"},
}
TUPLE_DEFAULTS = {"betas": (0.9, 0.999), "etas": (0.5, 1.2), "step_sizes": (1e-6, 50.0),
                  "eps": (None, 1e-3), "init_step": ("heuristic", 1e-6)}
LINE_SEARCH = {"none": None, "strong-wolfe": "strong_wolfe"}
MUON_ADJUST = {"original": "original", "match-rms-adamw": "match_rms_adamw"}


def kwargs(name, settings):
    kw = mapped(settings, MAPS[name], TUPLE_DEFAULTS)
    if name == "lbfgs" and "line_search_fn" in kw:
        kw["line_search_fn"] = LINE_SEARCH[kw["line_search_fn"]]
    if name == "muon" and "adjust_lr_fn" in kw:
        kw["adjust_lr_fn"] = MUON_ADJUST[kw["adjust_lr_fn"]]
    for key in ("history_size", "max_iter", "ns_steps", "num_betas", "warmup_steps"):
        if key in kw:
            kw[key] = int(kw[key])
    return kw


# ---------------------------------------------------------------------------------------------
# Reference factories.

TORCH_CLASSES = {"nadam": torch.optim.NAdam, "radam": torch.optim.RAdam,
                 "adamax": torch.optim.Adamax, "asgd": torch.optim.ASGD,
                 "rprop": torch.optim.Rprop, "adafactor": torch.optim.Adafactor,
                 "lbfgs": torch.optim.LBFGS}
NO_FOREACH = {"lbfgs"}


def torch_optimizers(name, settings, params):
    """The torch optimizers stepping `params` (Muon: Muon on 2-D tensors, AdamW on the rest)."""
    kw = kwargs(name, settings)
    if name == "muon":
        matrices = [p for p in params if p.ndim == 2]
        others = [p for p in params if p.ndim != 2]
        result = []
        if matrices:
            result.append(torch.optim.Muon(matrices, **kw))
        if others:
            # The companion: torch.optim.AdamW with the same learning rate and weight decay
            # (Muon's default 0.1 when unset), every other AdamW argument at torch's default.
            result.append(torch.optim.AdamW(others, lr=kw.get("lr", 1e-3),
                                            weight_decay=kw.get("weight_decay", 0.1),
                                            foreach=False))
        return result
    if name not in NO_FOREACH:
        kw["foreach"] = False
    return [TORCH_CLASSES[name](params, **kw)]


def muon_step_in_float64(opt):
    """torch.optim.Muon.step with its Newton-Schulz iteration in the parameters' float64.

    torch 2.13's _zeropower_via_newtonschulz starts with `grad.bfloat16()`, so its result carries
    8 significant bits and depends on the CPU bfloat16 matmul's accumulation: no float64
    implementation can match that to 1e-9. The golden therefore runs torch's own step with
    Tensor.bfloat16 made a same-precision copy for the duration of the call; every other operation
    (momentum lerp, Nesterov lerp, Frobenius normalisation clamp, the a/b/c addmm iteration,
    the transpose for tall matrices, the learning-rate adjustment, the decoupled decay) is torch's.
    The stand-in returns a copy, as the real cast does: with nesterov=False torch passes the
    momentum buffer itself, and the identity would let the in-place `div_` normalize the buffer.
    """
    original = torch.Tensor.bfloat16
    torch.Tensor.bfloat16 = lambda self, *args, **kwargs: self.clone()
    try:
        opt.step()
    finally:
        torch.Tensor.bfloat16 = original


def optax_transformation(name, settings):
    kw = kwargs(name, settings)
    if name == "sm3":
        lr = kw.pop("learning_rate")
        return optax.chain(optax.scale_by_sm3(**kw), optax.scale(-lr))
    if name == "mechanize":
        lr = kw.pop("learning_rate")
        return optax.contrib.mechanize(optax.adam(lr), **kw)
    function = {"optimistic-gd": optax.optimistic_gradient_descent,
                "optimistic-adam": optax.optimistic_adam_v2,
                "polyak-sgd": optax.polyak_sgd}.get(name)
    if function is None:
        attribute = name.replace("-", "_")
        function = getattr(optax, attribute, None) if name in OPTAX_CORE else None
        function = function or getattr(optax.contrib, attribute)
    return function(**kw)


OPTAX_CORE = {"lion", "lamb", "lars", "adabelief", "yogi", "adan", "novograd", "sm3", "fromage",
              "signum"}
NEEDS_LOSS = {"polyak-sgd", "momo"}


def reference_name(name):
    if name == "muon":
        return (f"torch.optim.Muon (2-D parameters; Newton-Schulz in float64, not torch's bfloat16)"
                f" + torch.optim.AdamW (others), {TORCH}")
    if name in TORCH_CLASSES:
        return f"torch.optim.{TORCH_CLASSES[name].__name__}, {TORCH}"
    if name == "mechanize":
        return f"optax.contrib.mechanize(optax.adam(learningRate)), {OPTAX}"
    if name == "sm3":
        return f"optax.sm3 as chain(optax.scale_by_sm3(momentum, beta2, epsilon), scale(-lr)), {OPTAX}"
    function = {"optimistic-gd": "optax.optimistic_gradient_descent",
                "optimistic-adam": "optax.optimistic_adam_v2",
                "polyak-sgd": "optax.polyak_sgd"}.get(name)
    if function is None:
        prefix = "optax." if name in OPTAX_CORE else "optax.contrib."
        function = prefix + name.replace("-", "_")
    return f"{function}, {OPTAX}"


# ---------------------------------------------------------------------------------------------
# Problems: loss and gradient at a list of float64 numpy arrays, with optional perturbation.

class Problem:
    def __init__(self, kind, setup, noise_seed=None):
        self.kind = kind
        self.setup = setup
        self.rng = np.random.default_rng(noise_seed) if noise_seed is not None else None

    def initial(self):
        if self.kind == "rosenbrock":
            return [np.array(ROSENBROCK_START)]
        return [self.setup[0][k].copy() for k in MLP_PARAMETER_ORDER]

    def _perturb(self, x):
        if self.rng is None:
            return x
        return x * (1.0 + 1e-15 * self.rng.choice([-1.0, 1.0], size=np.shape(x)))

    def loss_and_gradient(self, arrays):
        if self.kind == "rosenbrock":
            x, y = (float(v) for v in arrays[0])
            loss = rosenbrock_loss(x, y)
            grads = [np.array(rosenbrock_gradient(x, y))]
        else:
            _, inputs, targets = self.setup
            params = [torch.tensor(a, requires_grad=True) for a in arrays]
            value = mlp_loss(params, torch.tensor(inputs), torch.tensor(targets), 1.0)
            value.backward()
            loss = float(value.detach())
            grads = [p.grad.numpy().copy() for p in params]
        return float(self._perturb(np.float64(loss))), [self._perturb(g) for g in grads]


def flat(arrays):
    return np.concatenate([np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]).tolist()


def run_torch(name, settings, problem):
    params = [torch.nn.Parameter(torch.tensor(a)) for a in problem.initial()]
    optimizers = torch_optimizers(name, settings, params)
    record = {"trajectory": [flat([p.detach().numpy() for p in params])]}
    if name == "asgd":
        record["averagedTrajectory"] = [flat([p.detach().numpy() for p in params])]
    if name == "lbfgs":
        record["losses"], record["evaluations"] = [], []
        evaluations = [0]

        def closure():
            evaluations[0] += 1
            loss, grads = problem.loss_and_gradient([p.detach().numpy() for p in params])
            for p, g in zip(params, grads):
                p.grad = torch.tensor(g)
            return torch.tensor(loss)

    for _ in range(STEPS):
        if name == "lbfgs":
            record["losses"].append(float(optimizers[0].step(closure)))
            record["evaluations"].append(evaluations[0])
        else:
            _, grads = problem.loss_and_gradient([p.detach().numpy() for p in params])
            for p, g in zip(params, grads):
                p.grad = torch.tensor(g)
            for opt in optimizers:
                if isinstance(opt, torch.optim.Muon):
                    muon_step_in_float64(opt)
                else:
                    opt.step()
        record["trajectory"].append(flat([p.detach().numpy() for p in params]))
        if name == "asgd":
            state = optimizers[0].state
            record["averagedTrajectory"].append(flat([state[p]["ax"].numpy() for p in params]))
    return record


def run_optax(name, settings, problem):
    transformation = optax_transformation(name, settings)
    params = [jnp.asarray(a) for a in problem.initial()]
    state = transformation.init(params)
    schedule_free = name.startswith("schedule-free")
    record = {"trajectory": [flat(params)]}
    if schedule_free:
        record["evaluationTrajectory"] = [flat(optax.contrib.schedule_free_eval_params(state, params))]
    if name in NEEDS_LOSS:
        record["losses"] = []
    for _ in range(STEPS):
        loss, grads = problem.loss_and_gradient([np.asarray(p) for p in params])
        grads = [jnp.asarray(g) for g in grads]
        if name in NEEDS_LOSS:
            record["losses"].append(loss)
            updates, state = transformation.update(grads, state, params, value=jnp.asarray(loss))
        else:
            updates, state = transformation.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        record["trajectory"].append(flat(params))
        if schedule_free:
            record["evaluationTrajectory"].append(
                flat(optax.contrib.schedule_free_eval_params(state, params)))
    return record


def run(name, settings, problem):
    is_torch = name in TORCH_CLASSES or name == "muon"
    return (run_torch if is_torch else run_optax)(name, settings, problem)


# ---------------------------------------------------------------------------------------------
# Cases: per optimizer, learning rates for (rosenbrock, mlp) and the settings besides it
# ("learningRates" in a setting overrides the pair for that setting, where the shared pair made
# the case sensitive; None leaves that problem out where no rate that moves is insensitive). Each settings entry has its own set of keys (the parity test counts
# distinct key sets).

CASES = {
    "nadam": ((0.02, 0.002), [{}, {"weightDecay": 0.01},
                             {"weightDecay": 0.1, "decoupledWeightDecay": True},
                             {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6,
                              "momentumDecay": 0.01, "learningRates": (0.02, 0.001)}]),
    "radam": ((0.02, 0.01), [{}, {"weightDecay": 0.01},
                             {"weightDecay": 0.1, "decoupledWeightDecay": True},
                             {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}]),
    "adamax": ((0.02, 0.01), [{}, {"weightDecay": 0.01},
                              {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6}]),
    "lion": ((1e-3, 1e-3), [{}, {"weightDecay": 0.1}, {"beta1": 0.95, "beta2": 0.98}]),
    "adabelief": ((0.01, 0.01), [{}, {"beta1": 0.8, "beta2": 0.99},
                                 {"epsilon": 1e-8, "epsilonRoot": 1e-12}]),
    "yogi": ((0.01, 0.01), [{}, {"beta1": 0.8, "beta2": 0.99}, {"epsilon": 1e-6}]),
    "lamb": ((0.01, 0.01), [{}, {"weightDecay": 0.01}, {"beta1": 0.8, "beta2": 0.99,
                                                         "epsilon": 1e-8}]),
    "adan": ((0.01, 0.01), [{}, {"weightDecay": 0.01},
                            {"beta1": 0.9, "beta2": 0.9, "beta3": 0.999, "epsilon": 1e-6}]),
    "novograd": ((0.01, 0.01), [{}, {"weightDecay": 0.01},
                                {"beta1": 0.95, "beta2": 0.5, "epsilon": 1e-8}]),
    "rprop": ((1e-3, 1e-3), [{}, {"etaMinus": 0.3, "etaPlus": 1.1},
                             {"stepSizeMin": 1e-4, "stepSizeMax": 0.01}]),
    "asgd": ((1e-4, 0.05), [{}, {"weightDecay": 0.01},
                            {"decay": 1e-3, "alpha": 0.5, "t0": 10.0}]),
    "adafactor": ((5e-3, 1e-2), [{}, {"weightDecay": 0.01},
                                 {"beta2Decay": -0.5, "epsilon1": 1e-20, "epsilon2": 1e-2,
                                  "clipThreshold": 2.0, "learningRates": (5e-3, 3e-3)}]),
    "signum": ((1e-3, 1e-3), [{}, {"beta": 0.5}]),
    "lars": ((1.0, 1.0), [{}, {"weightDecay": 0.01},
                          {"trustCoefficient": 0.01, "epsilon": 1e-8, "learningRates": (0.1, 0.1)},
                          {"momentum": 0.5, "nesterov": True}]),
    "sm3": ((0.01, 0.01), [{}, {"momentum": 0.5}, {"beta2": 0.99, "epsilon": 1e-6}]),
    "fromage": ((1e-3, 0.01), [{}, {"minNorm": 1e-3}]),
    "polyak-sgd": ((0.1, 0.5), [{}, {"maxLearningRate": 1e-3},
                                {"minimumLoss": 0.01, "epsilon": 1e-8},
                                {"variant": "sps+"}]),
    "optimistic-gd": ((1e-4, 0.05), [{}, {"alpha": 0.5, "beta": 0.5}, {"alpha": 2.0}]),
    "optimistic-adam": ((0.01, 0.005), [{}, {"alpha": 0.5, "beta": 0.5},
                                       {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6,
                                        "epsilonRoot": 1e-12, "learningRates": (0.01, 0.002)},
                                       {"nesterov": False}]),
    # The MLP's warmup and beta1=0.8 cases at lr 0.01 were sensitive (240 and 7200 times the
    # tolerance under ulp-level gradient changes); 3e-3 keeps them well inside it.
    "schedule-free-adamw": ((0.02, 0.01), [{}, {"weightDecay": 0.01},
                                           {"warmupSteps": 10, "learningRates": (0.02, 0.003)},
                                           {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6,
                                            "weightLearningRatePower": 1.0,
                                            "learningRates": (0.02, 0.003)}]),
    "schedule-free-sgd": ((1e-4, 0.05), [{}, {"weightDecay": 0.01}, {"warmupSteps": 10},
                                         {"beta1": 0.5, "weightLearningRatePower": 1.0}]),
    "prodigy": ((1.0, 1.0), [{}, {"weightDecay": 0.01}, {"safeguardWarmup": True},
                             {"beta1": 0.8, "beta2": 0.99, "beta3": 0.9, "epsilon": 1e-6,
                              "d0": 1e-4, "dCoefficient": 0.5}]),
    "dadapt-adamw": ((1.0, 1.0), [{}, {"weightDecay": 0.01},
                                  {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-6, "d0": 1e-4,
                                   "learningRates": (1.0, 0.1)}]),
    "dog": ((1.0, 1.0), [{}, {"weightDecay": 0.01}, {"rEpsilon": 1e-4, "epsilon": 1e-6}]),
    "dowg": ((1.0, 1.0), [{}, {"weightDecay": 0.01},
                          {"initialSquaredDistance": 1e-6, "epsilon": 1e-6}]),
    # COCOB at its default alpha = 100 is chaotic on the MLP (5-ulp gradient noise grows to 1e-3
    # whatever the rate), so the MLP cases use alpha = 1000 (smaller first steps).
    "cocob": ((1.0, 1.0), [{"learningRates": (1.0, None)}, {"alpha": 1000.0},
                           {"weightDecay": 0.01, "alpha": 1000.0},
                           {"alpha": 1000.0, "epsilon": 1e-6, "learningRates": (0.5, 0.5)}]),
    # Mechanic over Adam is chaotic on the MLP at every base rate tried (1e-4 .. 1e-2: 5-ulp
    # gradient noise grows past the tolerance), so mechanize has Rosenbrock cases only.
    "mechanize": ((1e-3, None), [{}, {"weightDecay": 0.1},
                                 {"epsilon": 1e-6, "initialScale": 1e-4}]),
    "momo": ((0.01, 1.0), [{}, {"weightDecay": 0.01}, {"beta": 0.5, "lowerBound": 0.01,
                                                       "learningRates": (3e-3, 1.0)},
                          {"adaptLowerBound": True}]),
    "madgrad": ((0.01, 0.01), [{}, {"weightDecay": 0.01}, {"momentum": 0.5, "epsilon": 1e-8}]),
    "adopt": ((0.01, 0.01), [{}, {"nesterov": True, "learningRates": (0.01, 0.005)}, {"useClipping": False},
                             {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-8}]),
    "ademamix": ((0.01, 0.01), [{}, {"weightDecay": 0.01},
                                {"beta1": 0.8, "beta2": 0.99, "beta3": 0.999, "alpha": 2.0,
                                 "epsilon": 1e-6}]),
    # LBFGS reaches its noise floor on both problems within 100 steps of 20 iterations, where
    # its tolerance tests and line search turn 5-ulp gradient noise into 1e-3 differences; one
    # or two iterations per step at small rates keep every case insensitive.
    "lbfgs": ((0.01, 0.01), [{"lineSearch": "none", "maxIterations": 1},
                             {"lineSearch": "strong-wolfe", "maxIterations": 1,
                              "learningRates": (0.1, 0.01)},
                             {"lineSearch": "strong-wolfe", "maxIterations": 1, "historySize": 5,
                              "learningRates": (0.03, 0.003)},
                             {"lineSearch": "none", "historySize": 3, "maxIterations": 5,
                              "toleranceGrad": 1e-5, "toleranceChange": 1e-7,
                              "learningRates": (1e-3, None)},
                             # a real strong-Wolfe search (maxIterations 1 gives it no budget:
                             # torch's max_ls = max_eval - evaluations = 0, so it only accepts t
                             # when the loss does not rise and takes t = 0 otherwise).
                             {"lineSearch": "strong-wolfe", "maxIterations": 4,
                              "toleranceChange": 1e-9, "learningRates": (3e-3, None)}]),
    "muon": ((1e-3, 0.02), [{}, {"weightDecay": 0.0}, {"momentum": 0.9, "nesterov": False},
                            {"epsilon": 1e-6, "newtonSchulzSteps": 3,
                             "adjustLearningRate": "match-rms-adamw"}]),
}


def max_relative_deviation(a, b):
    worst = 0.0
    for row_a, row_b in zip(a, b):
        for x, y in zip(row_a, row_b):
            scale = max(abs(x), abs(y))
            if scale > 1e-12:
                worst = max(worst, abs(x - y) / scale)
    return worst


def tolerance_used(a, b):
    """The largest |a - b| as a fraction of the parity tests' tolerance 1e-9 |b| + 1e-12."""
    return max((abs(x - y) / (1e-9 * max(abs(x), abs(y)) + 1e-12)
                for row_a, row_b in zip(a, b) for x, y in zip(row_a, row_b)), default=0.0)


def make(name, setup):
    (lr_rosenbrock, lr_mlp), extras = CASES[name]
    cases, sensitivities = [], []
    for extra in extras:
        extra = dict(extra)
        rates = extra.pop("learningRates", (lr_rosenbrock, lr_mlp))
        for kind, lr in zip(("rosenbrock", "mlp"), rates):
            if lr is None:
                continue
            settings = {"learningRate": lr, **extra}
            record = run(name, settings, Problem(kind, setup))
            trajectory = record["trajectory"]
            assert all(math.isfinite(v) for row in trajectory for v in row), (name, kind, settings)
            moved = max_relative_deviation([trajectory[0]], [trajectory[-1]])
            perturbed = run(name, settings, Problem(kind, setup, noise_seed=7))
            sensitivity = tolerance_used(trajectory, perturbed["trajectory"])
            flag = "  <-- SENSITIVE" if sensitivity > SENSITIVITY_LIMIT else ""
            flag += "  <-- BARELY MOVES" if moved < 1e-3 else ""
            print(f"  {name} {kind} {settings}: moved {moved:.3g}, sensitivity {sensitivity:.2g}{flag}")
            sensitivities.append(sensitivity)
            cases.append({"problem": kind, "settings": settings, **record})
    print(f"  {name}: worst sensitivity {max(sensitivities):.2g}")
    return {
        "optimizer": name,
        "reference": reference_name(name),
        "script": "scripts/golden/make_catalogue2_golden.py",
        "steps": STEPS,
        "start": {"rosenbrock": list(ROSENBROCK_START)},
        "mlp": mlp_document(setup),
        "cases": cases,
    }


def write_or_compare(name, document):
    path = os.path.join(OUT, f"optimizer-{name}.json")
    text = json.dumps(document, indent=None, separators=(",", ":")) + "\n"
    if os.path.exists(path) and os.environ.get("DESCENT_REWRITE_GOLDEN") != "1":
        with open(path) as f:
            old = json.load(f)
        worst = max((max_relative_deviation(a["trajectory"], b["trajectory"])
                     for a, b in zip(old["cases"], document["cases"])), default=0.0)
        same = len(old["cases"]) == len(document["cases"]) and text == open(path).read()
        print(f"{os.path.relpath(path)}: {'identical' if same else 'DIFFERS'}, "
              f"largest trajectory difference {worst:.3g} (DESCENT_REWRITE_GOLDEN=1 rewrites)")
        return
    with open(path, "w") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(path)}: {len(document['cases'])} cases")


def main():
    names = sys.argv[1:] or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        sys.exit(f"unknown optimizer(s) {unknown}; known: {', '.join(CASES)}")
    setup = mlp_setup()
    for name in names:
        write_or_compare(name, make(name, setup))


if __name__ == "__main__":
    main()
