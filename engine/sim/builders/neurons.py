"""Builders of neuron populations."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from engine.model.network import Node
from engine.sim import kernels as K
from engine.sim.build import STATE_ROWS, BuildContext, add_neurons, builds
from engine.sim.connectivity import draw_values

STATE_ROWS.update(
    {
        "population.lif": {"v_m": K.STATE_V, "i_syn": K.VAR_I_SYN},
        "population.if": {"v_m": K.STATE_V, "i_syn": K.VAR_I_SYN},
        "population.adaptive_lif": {
            "v_m": K.STATE_V,
            "w": K.LIF_W,
            "theta": K.LIF_THETA,
            "i_syn": K.VAR_I_SYN,
        },
        "population.relay": {},
        "population.srm0": {"v_m": K.STATE_V, "theta": K.LIF_THETA, "i_syn": K.VAR_I_SYN},
        "population.izhikevich": {"v_m": K.STATE_V, "u": K.IZH_U, "i_syn": K.VAR_I_SYN},
        "population.adex": {"v_m": K.STATE_V, "w": K.ADEX_W, "i_syn": K.VAR_I_SYN},
        "population.hh": {
            "v_m": K.STATE_V,
            "m": K.HH_M,
            "h": K.HH_H,
            "n": K.HH_N,
            "i_syn": K.VAR_I_SYN,
        },
    }
)


def _linear_if(
    build: BuildContext,
    node: Node,
    tau_m: float | dict | None,
    *,
    tau_w: float | None = None,
    b: float = 0.0,
    tau_theta: float | None = None,
    theta_jump: float = 0.0,
    resets: bool = True,
) -> None:
    """LIF (``tau_m`` given), perfect IF (``tau_m=None``), with optional adaptation current.

    When tau_m or C_m differ between neurons the exact propagators are no longer shared, and
    the group is integrated numerically (RK4 sub-steps), like a group with conductances.
    """
    params = node.params
    size = params["size"]
    h = build.dt
    shared = not isinstance(tau_m, dict) and not isinstance(params["c_m"], dict)
    c_m = params["c_m"] if shared else per_neuron(build, node, "c_m")
    par = np.zeros((K.N_PARAM_ROWS, size))
    if not shared:
        taus = np.inf if tau_m is None else per_neuron(build, node, "tau_m")
        par[K.LIF_C_M] = c_m
        par[K.LIF_TAU_M] = taus
    elif tau_m is None:
        par[K.LIF_P22] = 1.0
        par[K.LIF_P20] = h / c_m
    else:
        par[K.LIF_P22] = math.exp(-h / tau_m)
        par[K.LIF_P20] = -tau_m / c_m * math.expm1(-h / tau_m)
    for row, name in ((K.LIF_E_L, "e_l"), (K.LIF_V_TH, "v_th"), (K.LIF_V_RESET, "v_reset")):
        par[row] = per_neuron(build, node, name) if name in params else 0.0
    par[K.LIF_REF_STEPS] = np.rint(per_neuron(build, node, "t_ref") / h)
    par[K.LIF_I_E] = per_neuron(build, node, "i_e")
    varying = [K.LIF_E_L, K.LIF_V_TH, K.LIF_V_RESET, K.LIF_REF_STEPS]
    par[K.LIF_HETERO] = float(any(np.ptp(par[row]) > 0 for row in varying))
    par[K.LIF_W_DECAY] = 1.0 if tau_w is None else math.exp(-h / tau_w)
    par[K.LIF_W_P21] = 0.0 if tau_w is None or not shared else lif_p21(h, tau_m, c_m, tau_w)
    par[K.LIF_W_JUMP] = b
    par[K.LIF_THETA_DECAY] = 1.0 if tau_theta is None else math.exp(-h / tau_theta)
    par[K.LIF_THETA_JUMP] = theta_jump
    par[K.LIF_RESETS] = 1.0 if resets else 0.0
    state = np.zeros((K.N_STATE_ROWS, size))
    state[K.STATE_V] = draw_values(params["v_init"], size, build.rng(node, "v_init"))
    add_neurons(build, node, K.MODEL_LIF if shared else K.MODEL_LIF_COND, par, state)
    if shared:
        par[K.LIF_C_M] = c_m
        par[K.LIF_TAU_M] = np.inf if tau_m is None else tau_m

    def coupling(kind: int, tau_syn: float) -> tuple[float, float]:
        if not shared:  # integrated numerically: synaptic currents enter directly
            return 0.0, 0.0
        to_v = lif_p21(h, tau_m, c_m, tau_syn) if kind in (K.CH_EXP, K.CH_ALPHA) else 0.0
        aux_to_v = lif_alpha_p31(h, tau_m, c_m, tau_syn) if kind == K.CH_ALPHA else 0.0
        return to_v, aux_to_v

    build.couplings[node.id] = coupling


@builds("population.lif")
def _build_lif(build: BuildContext, node: Node) -> None:
    _linear_if(build, node, node.params["tau_m"])


@builds("population.if")
def _build_if(build: BuildContext, node: Node) -> None:
    _linear_if(build, node, None)


@builds("population.srm0")
def _build_srm0(build: BuildContext, node: Node) -> None:
    params = node.params
    _linear_if(build, node, params["tau_m"], tau_theta=params["tau_eta"],
               theta_jump=params["eta_0"], resets=False)  # fmt: skip


@builds("population.adaptive_lif")
def _build_adaptive_lif(build: BuildContext, node: Node) -> None:
    params = node.params
    _linear_if(build, node, params["tau_m"], tau_w=params["tau_w"], b=params["b"],
               tau_theta=params["tau_theta"], theta_jump=params["theta_plus"])  # fmt: skip


def per_neuron(build: BuildContext, node: Node, name: str) -> np.ndarray:
    """One value per neuron of a parameter that may be a distribution (its own stream)."""
    size = node.params["size"]
    return draw_values(node.params[name], size, build.rng(node, f"param:{name}"))


def _nonlinear(
    build: BuildContext,
    node: Node,
    model: int,
    rows: dict[int, str],
    extra_state: Callable[[np.ndarray], dict[int, np.ndarray]] | None = None,
) -> None:
    """Neurons whose kernel reads parameters directly (``rows``: par row -> param name)."""
    params = node.params
    size = params["size"]
    par = np.zeros((K.N_PARAM_ROWS, size))
    for row, name in rows.items():
        par[row] = per_neuron(build, node, name)
    par[K.PAR_I_E] = per_neuron(build, node, "i_e")
    if "t_ref" in params:
        par[K.PAR_REF_STEPS] = np.rint(per_neuron(build, node, "t_ref") / build.dt)
    state = np.zeros((K.N_STATE_ROWS, size))
    state[K.STATE_V] = draw_values(params["v_init"], size, build.rng(node, "v_init"))
    for row, values in (extra_state(state[K.STATE_V]) if extra_state else {}).items():
        state[row] = values
    add_neurons(build, node, model, par, state)
    # synaptic currents enter these kernels directly, not through a propagator
    build.couplings[node.id] = lambda kind, tau_syn: (0.0, 0.0)


@builds("population.izhikevich")
def _build_izhikevich(build: BuildContext, node: Node) -> None:
    params = node.params
    rows = {K.IZH_A: "a", K.IZH_B: "b", K.IZH_C: "c", K.IZH_D: "d", K.IZH_V_PEAK: "v_peak"}
    u_init = params["u_init"]
    if build.dt > 1.0:
        raise build.fail(node, f"Izhikevich neurons are integrated with forward Euler, which "
                         f"is unstable at dt = {build.dt} ms; use a time step of at most 1 ms",
                         "a")  # fmt: skip

    def initial_u(v: np.ndarray) -> dict[int, np.ndarray]:
        if u_init is not None:
            return {K.IZH_U: np.full(v.size, u_init)}
        return {K.IZH_U: per_neuron(build, node, "b") * v}

    _nonlinear(build, node, K.MODEL_IZHIKEVICH, rows, initial_u)


@builds("population.adex")
def _build_adex(build: BuildContext, node: Node) -> None:
    rows = {K.ADEX_C_M: "c_m", K.ADEX_G_L: "g_l", K.ADEX_E_L: "e_l", K.ADEX_V_T: "v_th",
            K.ADEX_DELTA_T: "delta_t", K.ADEX_V_PEAK: "v_peak", K.ADEX_V_RESET: "v_reset",
            K.ADEX_TAU_W: "tau_w", K.ADEX_A: "a", K.ADEX_B: "b"}  # fmt: skip
    _nonlinear(build, node, K.MODEL_ADEX, rows)


@builds("population.hh")
def _build_hh(build: BuildContext, node: Node) -> None:
    rows = {K.HH_C_M: "c_m", K.HH_G_NA: "g_na", K.HH_G_K: "g_k", K.HH_G_L: "g_l",
            K.HH_E_NA: "e_na", K.HH_E_K: "e_k", K.HH_E_L: "e_l"}  # fmt: skip

    def gates_at_rest(v: np.ndarray) -> dict[int, np.ndarray]:
        rates = np.array([K.hh_rates(x) for x in v]).T.reshape(6, v.size)
        am, bm, ah, bh, an, bn = rates
        return {K.HH_M: am / (am + bm), K.HH_H: ah / (ah + bh), K.HH_N: an / (an + bn)}

    _nonlinear(build, node, K.MODEL_HH, rows, gates_at_rest)


def lif_alpha_p31(h: float, tau_m: float | None, c_m: float, tau_syn: float) -> float:
    """Exact propagator from an alpha synapse's dI (pA/ms) to V (mV) over one step.

    With I(s) = (I0 + s dI0) exp(-s/tau_s), the dI0 part adds to V
    ``dI0 / C exp(-h/tau_m) * integral_0^h s exp(-b s) ds``, b = 1/tau_s - 1/tau_m, i.e.
    ``dI0 / C exp(-h/tau_m) (1 - exp(-b h)(1 + b h)) / b^2`` (h^2 / 2 as b -> 0).
    """
    p22 = 1.0 if tau_m is None else math.exp(-h / tau_m)
    b = 1.0 / tau_syn - (0.0 if tau_m is None else 1.0 / tau_m)
    x = b * h
    if abs(x) < 1e-4:
        integral = h * h * (0.5 - x / 3.0 + x * x / 8.0)
    else:
        integral = -(math.expm1(-x) + x * math.exp(-x)) / (b * b)
    return p22 / c_m * integral


def lif_p21(h: float, tau_m: float | None, c_m: float, tau_syn: float) -> float:
    """Exact propagator from an exponential current (pA) to V (mV) over one step.

    V gains ``I0 / C * tau_m tau_s / (tau_s - tau_m) * (exp(-h/tau_s) - exp(-h/tau_m))``,
    written with ``expm1`` so that it stays accurate, and finite, as tau_s approaches tau_m.
    ``tau_m=None`` is the perfect integrator: ``I0 tau_s / C (1 - exp(-h/tau_s))``.
    """
    if tau_m is None:
        return -tau_syn / c_m * math.expm1(-h / tau_syn)
    a = (tau_syn - tau_m) / (tau_m * tau_syn)
    p22 = math.exp(-h / tau_m)
    if abs(a * h) < 1e-12:
        return p22 * h / c_m
    return p22 / (c_m * a) * math.expm1(h * a)


@builds("population.relay")
def _build_relay(build: BuildContext, node: Node) -> None:
    size = node.params["size"]
    add_neurons(build, node, K.MODEL_RELAY, np.zeros((K.N_PARAM_ROWS, size)))
    build.couplings[node.id] = lambda kind, tau_syn: (0.0, 0.0)
