"""Numba kernels: the whole step loop runs here, with no Python between steps.

The arrays are grouped in named tuples (see :mod:`engine.sim.compiled` for how they are made).
One kernel serves every network: it is specialised by data (model codes, index arrays), never by
generating code per network, so its compiled form is cached once and reused.

Order of one step ``n`` (from t_n = n dt to t_n+1); spikes found in it are stamped t_n+1, as in
NEST:

1. every group updates its neurons with the synaptic currents as they were at t_n, and spikes;
2. plastic synapses are potentiated at postsynaptic spikes (pre traces of earlier arrivals);
3. synaptic currents decay over the step and take the spikes that arrive at t_n+1;
4. spikes reaching plastic synapses are delivered (after depression by the post trace);
5. new spikes are sent along static synapses into the delay ring;
6. post traces take this step's spikes; recorders sample.

Pre and post spikes in the same step therefore do not interact through STDP.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import prange

from engine.sim.jit import njit, njit_inline, njit_parallel

# Model codes of neuron groups. MODEL_LIF serves the whole linear family (LIF, IF, adaptive
# LIF): they differ only in their propagators.
MODEL_LIF = 0
MODEL_POISSON = 1
MODEL_SPIKE_TIMES = 2
MODEL_IZHIKEVICH = 3
MODEL_ADEX = 4
MODEL_HH = 5
# a linear-IF group with conductance inputs, or with tau_m or C_m differing between neurons:
# integrated numerically like the ODE models
MODEL_LIF_COND = 6
MODEL_RELAY = 7  # repeats the spikes it receives (NEST's parrot_neuron)

# Kinds of synaptic channel.
CH_EXP = 0
CH_ALPHA = 1
CH_COND = 2
CH_DELTA = 3

# Rows of the per-neuron parameter matrix, by model. Every model keeps its bias current in
# row PAR_I_E, so that a live change of i_e works the same for all.
PAR_I_E = 6
PAR_REF_STEPS = 5
(LIF_P22, LIF_P20, LIF_E_L, LIF_V_TH, LIF_V_RESET, _, _, LIF_W_DECAY, LIF_W_P21,
 LIF_W_JUMP, LIF_C_M, LIF_TAU_M, LIF_THETA_DECAY, LIF_THETA_JUMP,
 LIF_RESETS, LIF_HETERO) = range(16)  # fmt: skip
LIF_I_E, LIF_REF_STEPS = PAR_I_E, PAR_REF_STEPS
POISSON_PROB, POISSON_START, POISSON_STOP = range(3)
IZH_A, IZH_B, IZH_C, IZH_D, IZH_V_PEAK = range(5)
(ADEX_C_M, ADEX_G_L, ADEX_E_L, ADEX_V_T, ADEX_DELTA_T, _, _, ADEX_V_PEAK, ADEX_V_RESET,
 ADEX_TAU_W, ADEX_A, ADEX_B) = range(12)  # fmt: skip
(HH_C_M, HH_G_NA, HH_G_K, HH_G_L, HH_E_NA, _, _, HH_E_K, HH_E_L) = range(9)  # fmt: skip
N_PARAM_ROWS = 16

# Rows of the per-neuron state matrix: row 0 is always the membrane potential (mV).
STATE_V = 0
LIF_W = 1  # spike-triggered adaptation current of the adaptive LIF (pA)
LIF_THETA = 2  # threshold offset (mV) raised by spikes: adaptive threshold, SRM0's -eta
IZH_U = 1  # recovery variable of the Izhikevich model
ADEX_W = 1  # adaptation current of AdEx (pA)
HH_M, HH_H, HH_N = 1, 2, 3  # gating variables of Hodgkin-Huxley
N_STATE_ROWS = 4

#: In parallel mode, LIF groups of at least this many neurons are split between threads.
PARALLEL_MIN_NEURONS = 2048

#: Sub-steps of at most this length (ms) integrate the nonlinear models (RK4).
MAX_SUBSTEP_MS = 0.01

# Recordable variables: a state row, or one of these derived quantities.
VAR_I_SYN = -1

# STDP weight dependence.
STDP_ADDITIVE = 0
STDP_MULTIPLICATIVE = 1

# Kinds of plasticity rule, and the columns of the rule parameter matrix.
RULE_STDP = 0  # pair or triplet STDP acting on the weights
RULE_REWARD_STDP = 1  # the same pairings feed an eligibility trace; dw/dt = eta * c * d
RULE_SCALING = 2  # synaptic scaling towards a target rate
(RP_KIND, RP_TAU_PLUS, RP_TAU_MINUS, RP_TAU_X, RP_TAU_Y, RP_A_PLUS, RP_A_MINUS, RP_A3_PLUS,
 RP_A3_MINUS, RP_W_MIN, RP_W_MAX, RP_MODE, RP_TAU_C, RP_ETA, RP_MODULATOR, RP_TARGET_HZ,
 RP_INTERVAL) = range(17)  # fmt: skip
N_RULE_PARAMS = 17

# Slots of the counters array.
# C_PENDING: in parallel mode, spikes of the last step done, still to be sent (``fired``)
C_OUT_COUNT, C_SPIKE_TIMES_PTR, C_ERROR, C_ERROR_GROUP, C_STEPS_DONE, C_PENDING = range(6)
N_COUNTERS = 6
ERROR_NONE = 0
ERROR_NOT_FINITE = 1

Groups = namedtuple("Groups", "start size model recorded")
Neurons = namedtuple("Neurons", "state refr par stim")
# Synaptic input channels: blocks of one value per target neuron, one block per (target group,
# synapse kind, time constant, reversal potential). ``block_start`` has a final sentinel;
# decay, p21 (to V), p_aux (alpha dI to V), kind, e_rev and ``fused`` are per block.
# exp: current decays; alpha: ``aux`` (dI) feeds ``current``; cond: ``current`` is a
# conductance (nS) acting through (e_rev - V); delta: the arrivals jump V directly.
# Blocks of linear-IF groups are advanced inside the neuron update (``fused``), in one pass.
# ``gain`` scales arrivals: e / tau for alpha blocks (so that a weight is the current's
# peak), 1 otherwise.
Channels = namedtuple(
    "Channels", "current aux decay p21 p_aux grp_ptr block_start kind e_rev fused gain"
)
# A current source drives ``target_size`` neurons from ``target_start`` with
# gain * value(step): the value table of source s is rows table_ptr[s]:table_ptr[s+1] of
# table_step/table_value (one column per channel; 1 channel feeds every target), held
# between points (interp 0) or interpolated linearly (interp 1); zero before the first point.
CurrentSources = namedtuple(
    "CurrentSources",
    "target_start target_size channels gain table_ptr table_step table_value interp",
)
# Poisson groups: rate factor over time, rows rate_ptr[g]:rate_ptr[g+1] (held between points);
# a group without rows keeps factor 1.
RateTables = namedtuple("RateTables", "rate_ptr rate_step rate_factor")
SpikeTimes = namedtuple("SpikeTimes", "step neuron")
# Static synapses in CSR form by global presynaptic neuron (int32 targets, float32 weights,
# uint16 delays in steps: 10 bytes a synapse); ``stp_slot`` (empty when no
# projection has short-term plasticity) gives each synapse's slot in ``Stp`` or -1.
Static = namedtuple("Static", "ptr target weight delay ring stp_slot")
#: Storage of one static synapse: 10 bytes (docs/engine.md, "Precision"). Weights are float32
#: (relative rounding below 6e-8; currents still add up in float64), targets int32, delays
#: uint16 steps.
STATIC_TARGET_DTYPE = np.int32
STATIC_WEIGHT_DTYPE = np.float32
STATIC_DELAY_DTYPE = np.uint16
#: The delay ring holds, per future step and input, the sum of the weights arriving then.
RING_DTYPE = np.float32
# Tsodyks-Markram state per (projection, presynaptic neuron): resources x, utilisation u,
# the step stamp of its last spike (-1: none yet) and the efficacy u x of that spike;
# U, tau_rec, tau_fac.
Stp = namedtuple("Stp", "u x last eff big_u tau_rec tau_fac")
# Plastic projections: ``rule[p, RP_*]`` holds each one's rule parameters; traces r1, r2 (pre,
# per row) and o1, o2 (post, per column) decay lazily from their last update step; ``elig``
# is the eligibility trace of reward-modulated rules, ``post_count`` counts spikes for scaling.
Plastic = namedtuple(
    "Plastic",
    "pre_start pre_size post_start post_size delay input_start input_kind input_gain row_off "
    "col_off "
    "rule row_ptr post syn_row col_ptr col_syn weight elig r1 r2 pre_last o1 o2 post_last "
    "post_count hist hist_count is_pre",
)
# Neuromodulators: level decays each step and jumps at scheduled events; d = baseline + level.
Modulation = namedtuple("Modulation", "level decay baseline event_ptr event_step event_amount")
Recording = namedtuple(
    "Recording",
    "tr_ptr tr_neuron tr_var tr_interval tr_offset wr_proj wr_width wr_interval wr_offset",
)
Outputs = namedtuple("Outputs", "spike_step spike_neuron group_counts traces weights")


@njit
def run_steps(
    step0, n_steps, dt, seed, groups, neurons, channels, currents, rates, spike_times, static,
    stp, plastic, modulation, recording, out, counters, fired,
):  # fmt: skip
    """Advance the network from absolute step ``step0`` by up to ``n_steps`` steps.

    Stops early, at a step boundary, when the spike buffer could overflow or the state stops
    being finite; ``counters[C_STEPS_DONE]`` tells how many steps were done.
    """
    n_groups = groups.start.shape[0]
    cap = out.spike_neuron.shape[0]
    # ``fired`` is sized for the most spikes one step can produce (see Simulator)
    max_per_step = fired.shape[0]
    ring_len = static.ring.shape[0]
    has_stp = static.stp_slot.shape[0] > 0
    scratch = np.empty(groups.size.max() if n_groups else 0)
    # parallel mode: static synapses come in ``parts`` partitions by target (one per thread),
    # and large LIF groups are updated in as many shares, each with its own buffers
    n_neurons = neurons.refr.shape[0]
    parts = (static.ptr.shape[0] - 1) // n_neurons if n_neurons else 1
    shared = np.zeros(n_groups, np.bool_)  # groups updated in shares, all in one parallel pass
    spike_room = 0
    for g in range(n_groups):
        if parts > 1 and groups.model[g] == MODEL_LIF and groups.size[g] >= PARALLEL_MIN_NEURONS:
            shared[g] = True
            spike_room += groups.size[g] // parts + 1
    steady = _steady_groups(groups, neurons.par, currents)
    plain_cond = _plain_cond_groups(groups, neurons.state, neurons.par)
    cond_work = np.empty((N_COND_WORK, scratch.shape[0] if plain_cond.any() else 0))
    rows = parts if parts > 1 else 0
    share = scratch.shape[0] // parts + 1
    share_fired = np.empty((rows, spike_room), np.int64)
    share_pos = np.zeros((rows, n_groups), np.int64)
    share_count = np.zeros((rows, n_groups), np.int64)
    share_scratch = np.empty((rows, share))
    share_flags = np.zeros((rows, -(-share // 8) * 8), np.bool_)
    flags = np.zeros(-(-scratch.shape[0] // 8) * 8, np.bool_)  # whole uint64 words
    ones = np.ones((channels.kind.shape[0], 1))  # decay factors at s = 0, for recorders
    hist_len = plastic.hist.shape[0]
    n_plastic = plastic.pre_start.shape[0]
    tr_count = np.zeros(recording.tr_interval.shape[0], np.int64)
    wr_count = np.zeros(recording.wr_interval.shape[0], np.int64)
    counters[C_STEPS_DONE] = 0
    for k in range(n_steps):
        n = step0 + k
        if counters[C_OUT_COUNT] + max_per_step > cap:
            return
        # -- 0. injected currents for this step
        for s in range(currents.gain.shape[0]):
            t0 = currents.target_start[s]
            for i in range(currents.target_size[s]):
                neurons.stim[t0 + i] = 0.0
        for s in range(currents.gain.shape[0]):
            a, b = currents.table_ptr[s], currents.table_ptr[s + 1]
            r = a + np.searchsorted(currents.table_step[a:b], n, side="right") - 1
            if r < a:
                continue
            frac = 0.0
            if currents.interp[s] == 1 and r + 1 < b:
                span = currents.table_step[r + 1] - currents.table_step[r]
                frac = (n - currents.table_step[r]) / span
            t0 = currents.target_start[s]
            for i in range(currents.target_size[s]):
                ch = i if currents.channels[s] > 1 else 0
                value = currents.table_value[r, ch]
                if frac > 0.0:
                    value += frac * (currents.table_value[r + 1, ch] - value)
                neurons.stim[t0 + i] += currents.gain[s] * value
        # -- 1. neuron updates
        n_fired = np.int64(0)  # not the literal 0: that would compile every callee twice
        if parts > 1:
            # one hand-off a step: each thread sends the last step's spikes to its partition,
            # then updates its share of the large LIF groups, which reads only that partition
            _parallel_step(
                static, stp, fired, counters[C_PENDING], n - 1, dt, n_neurons, groups, shared,
                neurons.state, neurons.refr, neurons.par, neurons.stim, steady, channels,
                static.ring[n % ring_len], share_fired, share_pos, share_count, share_scratch,
                share_flags,
            )  # fmt: skip
        for g in range(n_groups):
            start = groups.start[g]
            stop = start + groups.size[g]
            model = groups.model[g]
            first_fired = n_fired
            if shared[g]:
                n_fired = _gather_shares(g, share_fired, share_pos, share_count, fired, n_fired)
            elif model == MODEL_LIF:
                n_fired = _update_lif(
                    g, start, start, stop, neurons.state, neurons.refr, neurons.par,
                    neurons.stim, steady, channels, static.ring[n % ring_len], fired, n_fired, dt,
                    scratch, flags,
                )  # fmt: skip
            elif model == MODEL_RELAY:
                n_fired = _relay(g, start, stop, channels, static.ring[n % ring_len], fired,
                                 n_fired)  # fmt: skip
            elif plain_cond[g]:
                n_fired = _update_lif_cond(
                    g, start, stop, dt, neurons.state, neurons.refr, neurons.par, neurons.stim,
                    channels, static.ring[n % ring_len], fired, n_fired, cond_work, flags,
                )  # fmt: skip
            elif model >= MODEL_IZHIKEVICH:
                n_fired = _update_nonlinear(
                    model, g, start, stop, dt, neurons.state, neurons.refr, neurons.par,
                    neurons.stim, channels, static.ring[n % ring_len], fired, n_fired,
                )  # fmt: skip
            if n_fired < 0:
                n_fired = -n_fired - 1
                counters[C_ERROR] = ERROR_NOT_FINITE
                counters[C_ERROR_GROUP] = g
            if model == MODEL_POISSON:
                factor = 1.0
                a, b = rates.rate_ptr[g], rates.rate_ptr[g + 1]
                if b > a:
                    r = a + np.searchsorted(rates.rate_step[a:b], n, side="right") - 1
                    factor = rates.rate_factor[r] if r >= a else 0.0
                for i in range(start, stop):
                    if neurons.par[POISSON_START, i] <= n < neurons.par[POISSON_STOP, i]:
                        if uniform01(seed, i, n) < factor * neurons.par[POISSON_PROB, i]:
                            fired[n_fired] = i
                            n_fired += 1
            elif model == MODEL_SPIKE_TIMES:
                # the event list is sorted by step, then by neuron; groups come in neuron order
                p = counters[C_SPIKE_TIMES_PTR]
                while p < spike_times.step.shape[0] and spike_times.step[p] < n:
                    p += 1
                q = p
                while q < spike_times.step.shape[0] and spike_times.step[q] == n:
                    i = spike_times.neuron[q]
                    if start <= i < stop:
                        # a time listed twice is two spikes, as in NEST's spike_generator
                        fired[n_fired] = i
                        n_fired += 1
                    q += 1
                counters[C_SPIKE_TIMES_PTR] = p
            out.group_counts[k, g] = n_fired - first_fired
            if groups.recorded[g]:
                for f in range(first_fired, n_fired):
                    out.spike_step[counters[C_OUT_COUNT]] = n
                    out.spike_neuron[counters[C_OUT_COUNT]] = fired[f]
                    counters[C_OUT_COUNT] += 1
        # -- 2. neuromodulators, then potentiation of plastic synapses at postsynaptic spikes
        _advance_modulators(modulation, n)
        for p in range(n_plastic):
            _potentiate(plastic, p, fired, n_fired, n, dt)
        # -- 3. synaptic currents decay and take this step's arrivals
        _advance_channels(channels, static.ring[n % ring_len], dt)
        # -- 4. arrivals at plastic synapses: depression, pre traces, delivery; slow updates
        for p in range(n_plastic):
            _arrive(plastic, p, channels, n, dt, hist_len)
            _slow_update(plastic, p, modulation, n, dt)
        # -- 5. send new spikes along static synapses; remember those plastic synapses need
        hslot = n % hist_len
        plastic.hist_count[hslot] = 0
        if parts > 1:
            counters[C_PENDING] = n_fired  # sent at the start of the next step
        else:
            _send(static, stp, has_stp, fired, n_fired, n, dt, 0)
        for f in range(n_fired):
            i = fired[f]
            if plastic.is_pre[i]:
                plastic.hist[hslot, plastic.hist_count[hslot]] = i
                plastic.hist_count[hslot] += 1
        # -- 6. post traces, then recorders
        for p in range(n_plastic):
            _post_traces(plastic, p, fired, n_fired, n, dt)
        for r in range(recording.tr_interval.shape[0]):
            if (n + 1) % recording.tr_interval[r] == 0:
                a = recording.tr_ptr[r]
                width = recording.tr_ptr[r + 1] - a
                base = recording.tr_offset[r] + tr_count[r] * width
                for m in range(width):
                    i = recording.tr_neuron[a + m]
                    if recording.tr_var[r] == VAR_I_SYN:
                        g = np.searchsorted(groups.start, i, side="right") - 1
                        cur, cond, cond_e = _synaptic_at(
                            g, i - groups.start[g], channels, 0.0, ones, np.int64(0)
                        )
                        out.traces[base + m] = cur + cond_e - cond * neurons.state[STATE_V, i]
                    else:
                        out.traces[base + m] = neurons.state[recording.tr_var[r], i]
                tr_count[r] += 1
        for r in range(recording.wr_interval.shape[0]):
            if (n + 1) % recording.wr_interval[r] == 0:
                p = recording.wr_proj[r]
                first = plastic.row_ptr[plastic.row_off[p]]
                width = recording.wr_width[r]
                base = recording.wr_offset[r] + wr_count[r] * width
                for m in range(width):
                    out.weights[base + m] = plastic.weight[first + m]
                wr_count[r] += 1
        counters[C_STEPS_DONE] = k + 1
        if counters[C_ERROR] != ERROR_NONE:
            return


@njit
def _steady_groups(groups, par, currents):
    """Groups whose neurons share one bias current and take no injected current: their
    constant input is one number (live changes of i_e come between calls)."""
    n_groups = groups.start.shape[0]
    steady = np.zeros(n_groups, np.bool_)
    for g in range(n_groups):
        start, stop = groups.start[g], groups.start[g] + groups.size[g]
        i_e = par[PAR_I_E, start:stop]
        steady[g] = stop > start and np.all(i_e == i_e[0])
        for s in range(currents.target_start.shape[0]):
            first = currents.target_start[s]
            if first < stop and start < first + currents.target_size[s]:
                steady[g] = False
    return steady


@njit
def _plain_cond_groups(groups, state, par):
    """Conductance-driven LIF groups without adaptation (no jumps of w or theta, both at 0,
    so they stay 0): :func:`_update_lif_cond` runs them."""
    n_groups = groups.start.shape[0]
    plain = np.zeros(n_groups, np.bool_)
    for g in range(n_groups):
        if groups.model[g] != MODEL_LIF_COND:
            continue
        start, stop = groups.start[g], groups.start[g] + groups.size[g]
        plain[g] = (
            np.all(par[LIF_W_JUMP, start:stop] == 0.0)
            and np.all(par[LIF_THETA_JUMP, start:stop] == 0.0)
            and np.all(state[LIF_W, start:stop] == 0.0)
            and np.all(state[LIF_THETA, start:stop] == 0.0)
        )
    return plain


@njit
def _send(static, stp, has_stp, fired, n_fired, n, dt, first_row):
    """Send this step's spikes along the static synapses of one partition (rows from
    ``first_row``) into the delay ring."""
    ring_len = static.ring.shape[0]
    row_now = n % ring_len
    for f in range(n_fired):
        i = fired[f]
        a, b = static.ptr[first_row + i], static.ptr[first_row + i + 1]
        # views with indices from 0, and no division per synapse (a delay is < ring_len)
        targets, weights, delays = static.target[a:b], static.weight[a:b], static.delay[a:b]
        for m in range(b - a):
            w = weights[m]
            if has_stp:
                k = static.stp_slot[a + m]
                if k >= 0:
                    if stp.last[k] != n + 1:  # first synapse of this slot in this step
                        _tsodyks_markram(stp, k, n + 1, dt)
                    w = STATIC_WEIGHT_DTYPE(w * stp.eff[k])
            row = row_now + delays[m]
            if row >= ring_len:
                row -= ring_len
            static.ring[row, targets[m]] += w


@njit_parallel
def _parallel_step(static, stp, fired, pending, last, dt, n_neurons, groups, shared, state,
                   refr, par, stim, steady, channels, ring_row, share_fired, share_pos,
                   share_count, share_scratch, share_flags):  # fmt: skip
    """The parallel part of a step, one thread a partition ``p``: :func:`_send` of the
    ``pending`` spikes of step ``last`` to partition p's targets, then :func:`_update_lif` of
    share p of each ``shared`` group, whose inputs are exactly those targets (so no thread
    waits for another in between). Each target takes its arrivals in the same order as in one
    thread. Thread p writes its spikes of group g to ``share_fired[p]`` from
    ``share_pos[p, g]``, and their count (negative as :func:`_update_lif` returns it) to
    ``share_count[p, g]``."""
    parts = share_fired.shape[0]
    for p in prange(parts):
        _send(static, stp, False, fired, pending, last, dt, p * n_neurons)
        pos = 0
        for g in range(shared.shape[0]):
            if not shared[g]:
                continue
            start = groups.start[g]
            size = groups.size[g]
            lo = start + size * p // parts
            hi = start + size * (p + 1) // parts
            count = _update_lif(
                g, start, lo, hi, state, refr, par, stim, steady, channels, ring_row,
                share_fired[p, pos:], np.int64(0), dt, share_scratch[p], share_flags[p],
            )  # fmt: skip
            share_pos[p, g] = pos
            share_count[p, g] = count
            pos += count if count >= 0 else -count - 1


@njit
def _gather_shares(g, share_fired, share_pos, share_count, fired, n_fired):
    """Append the spikes of group ``g``'s shares to ``fired`` in share order, which is the
    order of one thread; returns like :func:`_update_lif`."""
    finite = True
    for p in range(share_fired.shape[0]):
        count = share_count[p, g]
        if count < 0:
            count = -count - 1
            finite = False
        first = share_pos[p, g]
        fired[n_fired : n_fired + count] = share_fired[p, first : first + count]
        n_fired += count
    return n_fired if finite else -n_fired - 1


@njit
def _tsodyks_markram(stp, k, stamp, dt):
    """Efficacy of a presynaptic spike stamped ``stamp`` (in steps) under short-term
    plasticity, updated as NEST's tsodyks2_synapse (Tsodyks & Markram 1997; Fuhrmann et al.
    2002): resources recover towards 1 with tau_rec, utilisation relaxes to U with tau_fac."""
    if stp.last[k] >= 0:  # the first spike finds the initial u = U, x = 1
        interval = (stamp - stp.last[k]) * dt
        x_decay = np.exp(-interval / stp.tau_rec[k])
        u_decay = np.exp(-interval / stp.tau_fac[k]) if stp.tau_fac[k] > 0.0 else 0.0
        x = stp.x[k]
        stp.x[k] = 1.0 + (x - x * stp.u[k] - 1.0) * x_decay
        stp.u[k] = stp.big_u[k] + stp.u[k] * (1.0 - stp.big_u[k]) * u_decay
    stp.eff[k] = stp.x[k] * stp.u[k]
    stp.last[k] = stamp


@njit
def _advance_modulators(modulation, n):
    for m in range(modulation.level.shape[0]):
        level = modulation.level[m] * modulation.decay[m]
        for e in range(modulation.event_ptr[m], modulation.event_ptr[m + 1]):
            if modulation.event_step[e] == n:
                level += modulation.event_amount[e]
        modulation.level[m] = level


@njit
def _apply_change(weight, elig, s, change, eligible, multiplicative, w_min, w_max):
    """Add a pairing's change to synapse ``s``: to its weight (within the rule's bounds, soft-
    bounded in multiplicative mode), or to its eligibility trace (reward-modulated rules).

    It takes single arrays and numbers, not the ``Plastic`` tuple: it runs once per synaptic
    event, and passing some thirty arrays per call cost several hundred ns an event."""
    if eligible:
        elig[s] += change
        return
    w = weight[s]
    if multiplicative:
        span = w_max - w_min
        change *= (w_max - w) / span if change > 0 else (w - w_min) / span
    weight[s] = min(max(w + change, w_min), w_max)


@njit
def _change_rule(rule, p):
    """What :func:`_apply_change` needs of rule ``p``: (to eligibility?, multiplicative?,
    w_min, w_max)."""
    return (
        rule[p, RP_KIND] == RULE_REWARD_STDP,
        rule[p, RP_MODE] == STDP_MULTIPLICATIVE,
        rule[p, RP_W_MIN],
        rule[p, RP_W_MAX],
    )


@njit
def _potentiate(plastic, p, fired, n_fired, n, dt):
    """At each postsynaptic spike: w += r1 (A2+ + A3+ o2), traces taken before this spike."""
    rule = plastic.rule
    if rule[p, RP_KIND] == RULE_SCALING:
        return
    post0 = plastic.post_start[p]
    post1 = post0 + plastic.post_size[p]
    weight, elig = plastic.weight, plastic.elig
    eligible, multiplicative, w_min, w_max = _change_rule(rule, p)
    tau_plus = rule[p, RP_TAU_PLUS]
    for f in range(n_fired):
        i = fired[f]
        if i < post0 or i >= post1:
            continue
        col = plastic.col_off[p] + i - post0
        since_post = (n - plastic.post_last[col]) * dt
        o2 = plastic.o2[col] * np.exp(-since_post / rule[p, RP_TAU_Y])
        gain = rule[p, RP_A_PLUS] + rule[p, RP_A3_PLUS] * o2
        for c in range(plastic.col_ptr[col], plastic.col_ptr[col + 1]):
            s = plastic.col_syn[c]
            r = plastic.syn_row[s]
            r1 = plastic.r1[r] * np.exp(-(n - plastic.pre_last[r]) * dt / tau_plus)
            _apply_change(weight, elig, s, gain * r1, eligible, multiplicative, w_min, w_max)


@njit
def _arrive(plastic, p, channels, n, dt, hist_len):
    """Spikes reaching the synapses of plastic projection ``p`` at this step: depression
    w -= o1 (A2- + A3- r2) with traces before the arrival, then delivery and pre traces."""
    rule = plastic.rule
    hslot = (n - plastic.delay[p]) % hist_len
    pre0 = plastic.pre_start[p]
    stdp = rule[p, RP_KIND] != RULE_SCALING
    weight, elig = plastic.weight, plastic.elig
    eligible, multiplicative, w_min, w_max = _change_rule(rule, p)
    tau_minus = rule[p, RP_TAU_MINUS]
    for h in range(plastic.hist_count[hslot]):
        i = plastic.hist[hslot, h]
        if i < pre0 or i >= pre0 + plastic.pre_size[p]:
            continue
        r = plastic.row_off[p] + i - pre0
        since_pre = (n - plastic.pre_last[r]) * dt
        r1 = plastic.r1[r] * np.exp(-since_pre / rule[p, RP_TAU_PLUS])
        r2 = plastic.r2[r] * np.exp(-since_pre / rule[p, RP_TAU_X])
        gain = rule[p, RP_A_MINUS] + rule[p, RP_A3_MINUS] * r2
        for s in range(plastic.row_ptr[r], plastic.row_ptr[r + 1]):
            j = plastic.post[s]
            if stdp:
                col = plastic.col_off[p] + j
                since_post = (n - plastic.post_last[col]) * dt
                o1 = plastic.o1[col] * np.exp(-since_post / tau_minus)
                _apply_change(weight, elig, s, -gain * o1, eligible, multiplicative, w_min, w_max)
            w = weight[s]
            if plastic.input_kind[p] == CH_ALPHA:
                channels.aux[plastic.input_start[p] + j] += w * plastic.input_gain[p]
            else:
                channels.current[plastic.input_start[p] + j] += w
        plastic.r1[r] = r1 + 1.0
        plastic.r2[r] = r2 + 1.0
        plastic.pre_last[r] = n


@njit
def _slow_update(plastic, p, modulation, n, dt):
    """Changes that act on every synapse over time: reward modulation (each step) and
    synaptic scaling (every interval)."""
    rule = plastic.rule
    kind = rule[p, RP_KIND]
    first = plastic.row_ptr[plastic.row_off[p]]
    last = plastic.row_ptr[plastic.row_off[p] + plastic.pre_size[p]]
    w_min, w_max = rule[p, RP_W_MIN], rule[p, RP_W_MAX]
    if kind == RULE_REWARD_STDP:
        m = np.int64(rule[p, RP_MODULATOR])
        d = modulation.baseline[m] + modulation.level[m]
        rate = rule[p, RP_ETA] * d * dt
        decay = np.exp(-dt / rule[p, RP_TAU_C])
        for s in range(first, last):
            w = plastic.weight[s] + rate * plastic.elig[s]
            plastic.weight[s] = min(max(w, w_min), w_max)
            plastic.elig[s] *= decay
    elif kind == RULE_SCALING:
        interval = np.int64(rule[p, RP_INTERVAL])
        if (n + 1) % interval != 0:
            return
        target = rule[p, RP_TARGET_HZ]
        window_s = interval * dt / 1000.0
        for s in range(first, last):
            col = plastic.col_off[p] + plastic.post[s]
            rate_hz = plastic.post_count[col] / window_s
            error = min(max((target - rate_hz) / target, -1.0), 1.0)
            factor = 1.0 + rule[p, RP_ETA] * error
            plastic.weight[s] = min(max(plastic.weight[s] * factor, w_min), w_max)
        for col in range(plastic.col_off[p], plastic.col_off[p] + plastic.post_size[p]):
            plastic.post_count[col] = 0


@njit
def _post_traces(plastic, p, fired, n_fired, n, dt):
    """Postsynaptic spikes of this step enter the o1, o2 traces (and the scaling counts)."""
    rule = plastic.rule
    post0 = plastic.post_start[p]
    post1 = post0 + plastic.post_size[p]
    for f in range(n_fired):
        i = fired[f]
        if post0 <= i < post1:
            col = plastic.col_off[p] + i - post0
            since = (n - plastic.post_last[col]) * dt
            plastic.o1[col] = plastic.o1[col] * np.exp(-since / rule[p, RP_TAU_MINUS]) + 1.0
            plastic.o2[col] = plastic.o2[col] * np.exp(-since / rule[p, RP_TAU_Y]) + 1.0
            plastic.post_last[col] = n
            plastic.post_count[col] += 1


@njit
def _advance_channels(channels, ring_row, h):
    """Synaptic variables decay over one step and take the arrivals due at its end (the blocks
    that linear-IF groups advance themselves are skipped)."""
    for c in range(channels.kind.shape[0]):
        if channels.fused[c]:
            continue
        kind = channels.kind[c]
        d = channels.decay[c]
        for j in range(channels.block_start[c], channels.block_start[c + 1]):
            if kind == CH_ALPHA:
                channels.current[j] = d * (channels.current[j] + h * channels.aux[j])
                channels.aux[j] = d * channels.aux[j] + channels.gain[c] * ring_row[j]
            elif kind != CH_DELTA:  # delta arrivals were added to V by the neuron update
                channels.current[j] = channels.current[j] * d + ring_row[j]
            ring_row[j] = 0.0


@njit
def _update_lif(g, start, lo, hi, state, refr, par, stim, steady, channels, ring_row, fired,
                n_fired, h, scratch, flags):  # fmt: skip
    """One exact step of linear integrate-and-fire neurons ``lo:hi`` of group ``g`` (which
    starts at neuron ``start``; threads take a share of a group each).

    V relaxes to E_L with P22, takes constant currents through P20 and each exponential current
    (synaptic, and the adaptation current w, which enters with a minus sign) through its own
    P21; alpha currents add their dI through P_aux; delta arrivals jump V before the threshold
    test, and are lost while refractory (as NEST's iaf_psc_delta). The threshold is raised by
    theta, which jumps at each spike and decays (adaptive threshold; SRM0's after-potential
    eta is -theta); a group that does not reset V (SRM0) keeps integrating through spikes.
    The group's synaptic variables are read and advanced first, one tight loop per block
    (delta jumps are summed with them; they are lost while refractory). The propagators are
    per group; E_L, V_th, V_reset and t_ref are read per neuron only in groups
    where they differ. Returns the new count of fired neurons, or
    ``-count - 1`` if a potential stopped being finite.

    Speed: every loop runs over views of the group's rows with indices 0..size, so that the
    compiler can drop negative-index wraparound; groups without adaptation or per-neuron
    constants (the common case) take a loop without branches on data, which vectorizes, and
    gather their spikes from ``flags`` afterwards (4000 LIF neurons: 2.4x faster).
    """
    c0 = channels.grp_ptr[g]
    c1 = channels.grp_ptr[g + 1]
    kind = channels.kind
    block_start = channels.block_start
    size = hi - lo
    off = lo - start  # of this share within the group's synaptic blocks
    p22 = par[LIF_P22, start]
    p20 = par[LIF_P20, start]
    e_l = par[LIF_E_L, start]
    v_th = par[LIF_V_TH, start]
    v_reset = par[LIF_V_RESET, start]
    resets = par[LIF_RESETS, start] != 0.0
    ref_steps = np.int32(par[PAR_REF_STEPS, start])
    w_decay = par[LIF_W_DECAY, start]
    w_p21 = par[LIF_W_P21, start]
    w_jump = par[LIF_W_JUMP, start]
    theta_decay = par[LIF_THETA_DECAY, start]
    theta_jump = par[LIF_THETA_JUMP, start]
    adapts = w_jump != 0.0 or theta_jump != 0.0
    hetero = par[LIF_HETERO, start] != 0.0
    # views of this group's rows: loops over 0..size let the compiler drop index wraparound
    v = state[STATE_V, lo:hi]
    w = state[LIF_W, lo:hi]
    theta = state[LIF_THETA, lo:hi]
    rf = refr[lo:hi]
    i_e = par[PAR_I_E, lo:hi]
    st = stim[lo:hi]
    syn = scratch[:size]
    if not (adapts or hetero) and c1 - c0 == 2 and kind[c0] == CH_EXP and kind[c0 + 1] == CH_EXP:
        return _update_lif_two_exp(
            c0, lo, off, size, v, rf, i_e, st, steady[g], channels, ring_row, fired, n_fired, flags,
            p22, p20, e_l, v_th, v_reset, resets, ref_steps,
        )  # fmt: skip
    # pass 1: constant input, then one tight loop per synaptic block: input to V, advance
    for m in range(size):
        syn[m] = p20 * (i_e[m] + st[m])
    for c in range(c0, c1):
        b = block_start[c] + off
        k = kind[c]
        d = channels.decay[c]
        to_v = channels.p21[c]
        ring = ring_row[b : b + size]
        cur = channels.current[b : b + size]
        if k == CH_DELTA:
            for m in range(size):
                syn[m] += ring[m]
                ring[m] = 0.0
        elif k == CH_ALPHA:
            ax = channels.aux[b : b + size]
            aux_to_v = channels.p_aux[c]
            gain = channels.gain[c]
            for m in range(size):
                syn[m] += to_v * cur[m] + aux_to_v * ax[m]
                cur[m] = d * (cur[m] + h * ax[m])
                ax[m] = d * ax[m] + gain * ring[m]
                ring[m] = 0.0
        else:
            for m in range(size):
                syn[m] += to_v * cur[m]
                cur[m] = cur[m] * d + ring[m]
                ring[m] = 0.0
    bad = False
    if not (adapts or hetero):
        # branch-free, so that it vectorizes: spikes are flagged, then gathered
        flag = flags[:size]
        for m in range(size):
            bad |= _lif_step(m, syn[m], v, rf, flag, e_l, p22, v_th, v_reset, resets, ref_steps)
        n_fired = _gather_flags(flags, size, lo, fired, n_fired)
        return -n_fired - 1 if bad else n_fired
    for m in range(size):
        w_i = 0.0
        theta_i = 0.0
        if adapts:
            w_i = w[m]
            w[m] = w_i * w_decay
            theta_i = theta[m] * theta_decay
            theta[m] = theta_i
        if rf[m] > 0:
            rf[m] -= 1
            continue
        if hetero:
            i = lo + m
            e_l = par[LIF_E_L, i]
            v_th = par[LIF_V_TH, i]
            v_reset = par[LIF_V_RESET, i]
            ref_steps = np.int32(par[PAR_REF_STEPS, i])
        x = e_l + p22 * (v[m] - e_l) - w_p21 * w_i + syn[m]
        bad |= x - x != 0.0
        if x >= v_th + theta_i:
            if resets:
                x = v_reset
            if adapts:
                theta[m] = theta_i + theta_jump
                w[m] += w_jump
            rf[m] = ref_steps
            fired[n_fired] = lo + m
            n_fired += 1
        v[m] = x
    return -n_fired - 1 if bad else n_fired


@njit
def _update_lif_two_exp(c0, lo, off, size, v, rf, i_e, st, steady, channels, ring_row,
                        fired, n_fired, flags, p22, p20, e_l, v_th, v_reset, resets,
                        ref_steps):  # fmt: skip
    """:func:`_update_lif` for the most common group: two exponential synaptic blocks (e.g.
    excitatory and inhibitory), no adaptation, shared constants. One pass does what the
    general path does in four (input, two blocks, neurons), in the same order of operations,
    so the results are the same bit for bit; it moves a third less memory (CUBA: 1.3x). A
    ``steady`` group (one i_e for all, no injected current) reads neither per neuron."""
    b0 = channels.block_start[c0] + off
    b1 = channels.block_start[c0 + 1] + off
    blocks = (channels.decay[c0], channels.decay[c0 + 1], channels.p21[c0], channels.p21[c0 + 1])
    ring0, ring1 = ring_row[b0 : b0 + size], ring_row[b1 : b1 + size]
    cur0, cur1 = channels.current[b0 : b0 + size], channels.current[b1 : b1 + size]
    flag = flags[:size]
    lif = (e_l, p22, v_th, v_reset, resets, ref_steps)
    bad = False
    if steady and size > 0:
        drive = p20 * (i_e[0] + st[0])
        for m in range(size):
            bad |= _two_exp_step(m, drive, blocks, cur0, cur1, ring0, ring1, v, rf, flag, lif)
    else:
        for m in range(size):
            drive = p20 * (i_e[m] + st[m])
            bad |= _two_exp_step(m, drive, blocks, cur0, cur1, ring0, ring1, v, rf, flag, lif)
    n_fired = _gather_flags(flags, size, lo, fired, n_fired)
    return -n_fired - 1 if bad else n_fired


@njit_inline
def _two_exp_step(m, drive, blocks, cur0, cur1, ring0, ring1, v, rf, flag, lif):
    """Neuron ``m`` of :func:`_update_lif_two_exp`: both currents act on V, then decay and take
    their arrivals, then V takes its step."""
    d0, d1, q0, q1 = blocks
    syn = drive
    syn += q0 * cur0[m]
    syn += q1 * cur1[m]
    cur0[m] = cur0[m] * d0 + ring0[m]
    cur1[m] = cur1[m] * d1 + ring1[m]
    ring0[m] = 0.0
    ring1[m] = 0.0
    e_l, p22, v_th, v_reset, resets, ref_steps = lif
    return _lif_step(m, syn, v, rf, flag, e_l, p22, v_th, v_reset, resets, ref_steps)


@njit_inline
def _lif_step(m, syn, v, rf, flag, e_l, p22, v_th, v_reset, resets, ref_steps):
    """Neuron ``m`` of a LIF share without adaptation: V takes its step (input ``syn``) unless
    refractory, spikes are flagged, written without branches so that the loops calling this
    vectorize (it is inlined). Returns whether V stopped being finite."""
    r = rf[m]
    active = r <= 0
    v_m = v[m]
    x = e_l + p22 * (v_m - e_l) + syn
    spike = active & (x >= v_th)
    v[m] = (v_reset if resets else x) if spike else (x if active else v_m)
    rf[m] = ref_steps if spike else (r - 1 if r > 0 else 0)
    flag[m] = spike
    return active & (x - x != 0.0)


@njit
def _gather_flags(flags, size, lo, fired, n_fired):
    """Append neurons ``lo + m`` whose ``flags[m]`` is set to ``fired``; skips eight flags at
    a time (most neurons do not spike in a step). Returns the new count."""
    words = flags.view(np.uint64)
    for q in range((size + 7) // 8):
        if words[q] != 0:
            for m in range(8 * q, min(8 * q + 8, size)):
                if flags[m]:
                    fired[n_fired] = lo + m
                    n_fired += 1
    return n_fired


@njit
def _relay(g, start, stop, channels, ring_row, fired, n_fired):
    """Relay neurons spike in the step in which a spike with positive weight reaches them, so
    the repeated spike carries the arrival time (one spike per step, whatever arrives)."""
    for i in range(start, stop):
        arriving = 0.0
        for c in range(channels.grp_ptr[g], channels.grp_ptr[g + 1]):
            j = channels.block_start[c] + i - start
            arriving += ring_row[j]
            ring_row[j] = 0.0
        if arriving > 0.0:
            fired[n_fired] = i
            n_fired += 1
    return n_fired


@njit
def _substeps(model, h):
    """RK4 sub-steps per step of ``h`` ms for an ODE model: at most MAX_SUBSTEP_MS each; a
    conductance-driven LIF is smooth, and 5x longer sub-steps keep RK4's error far below
    1e-6 mV."""
    longest = MAX_SUBSTEP_MS * 5 if model == MODEL_LIF_COND else MAX_SUBSTEP_MS
    return max(1, int(np.ceil(h / longest - 1e-9)))


@njit
def _update_nonlinear(model, g, start, stop, h, state, refr, par, stim, channels, ring_row,
                      fired, n_fired):  # fmt: skip
    """One step of Izhikevich, AdEx, Hodgkin-Huxley or conductance-driven LIF neurons.

    Synaptic currents and conductances decay exponentially within the step, as they do between
    steps; injected currents are constant over it. Returns like :func:`_update_lif`.
    """
    finite = True
    v = state[STATE_V]
    n_sub = _substeps(model, h)
    k = h / n_sub
    table = _decay_table(g, channels, n_sub, h)
    for i in range(start, stop):
        local = i - start
        drive = par[PAR_I_E, i] + stim[i]
        jump = _delta_input(g, local, channels, ring_row)
        spiked = False
        if model == MODEL_IZHIKEVICH:
            cur, cond, cond_e = _synaptic_at(g, local, channels, 0.0, table, np.int64(0))
            current_in = drive + cur + cond_e - cond * v[i]
            spiked = _izhikevich_step(i, h, state, par, current_in, jump)
        elif model == MODEL_HH:
            v_old = v[i]
            v[i] += jump
            for sub in range(n_sub):
                _rk4_substep(model, g, local, i, sub, k, state, par, drive, channels, table)
            # as NEST's hh_psc_alpha: a spike is the maximum of an excursion above 0 mV
            if refr[i] > 0:
                refr[i] -= 1
            elif v[i] >= 0.0 and v_old > v[i]:
                refr[i] = np.int32(par[PAR_REF_STEPS, i])
                spiked = True
        elif model == MODEL_ADEX:
            if refr[i] == 0:
                v[i] += jump
            for sub in range(n_sub):
                if refr[i] > 0:
                    _adex_refractory(i, k, state, par)
                    if sub == n_sub - 1:
                        refr[i] -= 1
                    continue
                _rk4_substep(model, g, local, i, sub, k, state, par, drive, channels, table)
                if v[i] >= par[ADEX_V_PEAK, i]:
                    v[i] = par[ADEX_V_RESET, i]
                    state[ADEX_W, i] += par[ADEX_B, i]
                    # as NEST's aeif models: clamp the rest of this step and t_ref more
                    ref_steps = np.int32(par[PAR_REF_STEPS, i])
                    refr[i] = ref_steps + 1 if ref_steps > 0 else 0
                    fired[n_fired] = i
                    n_fired += 1
        else:  # MODEL_LIF_COND: linear IF with conductances, or with per-neuron tau_m/C_m
            w_i = state[LIF_W, i]
            state[LIF_W, i] = w_i * par[LIF_W_DECAY, i]
            theta_i = state[LIF_THETA, i] * par[LIF_THETA_DECAY, i]
            state[LIF_THETA, i] = theta_i
            if refr[i] > 0:
                refr[i] -= 1
            else:
                v[i] += jump
                for sub in range(n_sub):
                    _rk4_substep(model, g, local, i, sub, k, state, par, drive - w_i,
                                 channels, table)  # fmt: skip
                if v[i] >= par[LIF_V_TH, i] + theta_i:
                    if par[LIF_RESETS, i] != 0.0:
                        v[i] = par[LIF_V_RESET, i]
                    refr[i] = np.int32(par[PAR_REF_STEPS, i])
                    state[LIF_W, i] += par[LIF_W_JUMP, i]
                    state[LIF_THETA, i] = theta_i + par[LIF_THETA_JUMP, i]
                    spiked = True
        if spiked:
            fired[n_fired] = i
            n_fired += 1
        if not np.isfinite(v[i]):
            finite = False
    return n_fired if finite else -n_fired - 1


#: Scratch rows of :func:`_update_lif_cond`: V being integrated, the delta jumps, and the
#: current, conductance and conductance x E_rev at the three RK4 points of a sub-step.
N_COND_WORK = 11


@njit
def _update_lif_cond(g, start, stop, h, state, refr, par, stim, channels, ring_row, fired,
                     n_fired, work, flags):  # fmt: skip
    """:func:`_update_nonlinear` for a conductance-driven LIF group without adaptation (COBA),
    in loops over the group that vectorize: the synaptic input at each RK4 point is summed
    block by block for all neurons, then every neuron takes the RK4 arithmetic of
    :func:`_rk4_substep` and :func:`_rhs` in the same order (so the results are the same bit
    for bit); refractory neurons are integrated too and their result discarded, so that the
    loops have no branches on data. Returns like :func:`_update_lif`."""
    size = stop - start
    n_sub = _substeps(MODEL_LIF_COND, h)
    k = h / n_sub
    half = k / 2
    sixth = k / 6
    table = _decay_table(g, channels, n_sub, h)
    c0, c1 = channels.grp_ptr[g], channels.grp_ptr[g + 1]
    v = state[STATE_V, start:stop]
    rf = refr[start:stop]
    c_m, tau_m, e_l = par[LIF_C_M, start:stop], par[LIF_TAU_M, start:stop], par[LIF_E_L, start:stop]
    i_e, st = par[PAR_I_E, start:stop], stim[start:stop]
    y, jump = work[0, :size], work[1, :size]
    cur, cond, driven = work[2:5, :size], work[5:8, :size], work[8:11, :size]
    jump[:] = 0.0
    for c in range(c0, c1):
        if channels.kind[c] == CH_DELTA:
            b = channels.block_start[c]
            ring = ring_row[b : b + size]
            for m in range(size):
                jump[m] += ring[m]
    for m in range(size):
        y[m] = v[m] + jump[m]
    for sub in range(n_sub):
        s0 = sub * k
        for point in range(3):  # the start, middle and end of the sub-step
            s = s0 if point == 0 else (s0 + k / 2 if point == 1 else s0 + k)
            q = 2 * sub + point
            cp, gp, ep = cur[point], cond[point], driven[point]
            cp[:] = 0.0
            gp[:] = 0.0
            ep[:] = 0.0
            for c in range(c0, c1):
                kind = channels.kind[c]
                if kind == CH_DELTA:
                    continue
                b = channels.block_start[c]
                f = table[c - c0, q]
                x = channels.current[b : b + size]
                if kind == CH_EXP:
                    for m in range(size):
                        cp[m] += x[m] * f
                elif kind == CH_ALPHA:
                    ax = channels.aux[b : b + size]
                    for m in range(size):
                        cp[m] += f * (x[m] + s * ax[m])
                else:
                    e_rev = channels.e_rev[c]
                    for m in range(size):
                        g_j = x[m] * f
                        gp[m] += g_j
                        ep[m] += g_j * e_rev
        for m in range(size):
            drive = i_e[m] + st[m]
            cm, tau, el = c_m[m], tau_m[m], e_l[m]
            y0 = y[m]
            a0 = _cond_rhs(y0, cm, tau, el, drive + cur[0, m] + driven[0, m], cond[0, m])
            in_b, g_b = drive + cur[1, m] + driven[1, m], cond[1, m]
            b0 = _cond_rhs(y0 + half * a0, cm, tau, el, in_b, g_b)
            d0 = _cond_rhs(y0 + half * b0, cm, tau, el, in_b, g_b)
            f0 = _cond_rhs(y0 + k * d0, cm, tau, el, drive + cur[2, m] + driven[2, m],
                           cond[2, m])  # fmt: skip
            y[m] = y0 + sixth * (a0 + 2 * b0 + 2 * d0 + f0)
    v_th, v_reset = par[LIF_V_TH, start:stop], par[LIF_V_RESET, start:stop]
    resets, ref_steps = par[LIF_RESETS, start:stop], par[PAR_REF_STEPS, start:stop]
    flag = flags[:size]
    bad = False
    for m in range(size):
        r = rf[m]
        active = r <= 0
        x = y[m]
        spike = active & (x >= v_th[m])
        v_m = (v_reset[m] if resets[m] != 0.0 else x) if spike else (x if active else v[m])
        v[m] = v_m
        rf[m] = np.int32(ref_steps[m]) if spike else (r - 1 if r > 0 else 0)
        flag[m] = spike
        bad |= v_m - v_m != 0.0
    n_fired = _gather_flags(flags, size, start, fired, n_fired)
    return -n_fired - 1 if bad else n_fired


@njit_inline
def _cond_rhs(v, c_m, tau_m, e_l, current_in, conductance):
    """dV/dt of a conductance-driven LIF neuron (for :func:`_rhs` and the vectorized
    :func:`_update_lif_cond` alike)."""
    leak = -c_m / tau_m * (v - e_l)
    return (leak + current_in - conductance * v) / c_m


@njit
def _delta_input(g, local, channels, ring_row):
    """Sum of the delta-synapse jumps (mV) arriving at neuron ``local`` of group ``g``."""
    total = 0.0
    for c in range(channels.grp_ptr[g], channels.grp_ptr[g + 1]):
        if channels.kind[c] == CH_DELTA:
            total += ring_row[channels.block_start[c] + local]
    return total


@njit
def _decay_table(g, channels, n_sub, h):
    """exp(-s / tau) of each synaptic block of group ``g`` at every half sub-step
    s = m h / (2 n_sub), m = 0 .. 2 n_sub (computed once per group and step)."""
    c0 = channels.grp_ptr[g]
    table = np.empty((channels.grp_ptr[g + 1] - c0, 2 * n_sub + 1))
    for c in range(c0, channels.grp_ptr[g + 1]):
        for m in range(2 * n_sub + 1):
            table[c - c0, m] = channels.decay[c] ** (m / (2.0 * n_sub))
    return table


@njit
def _synaptic_at(g, local, channels, s, table, m):
    """Synaptic input of a neuron a time ``s`` into the step (half sub-step ``m`` of ``table``).

    Returns (current in pA, total conductance in nS, sum of g * E_rev in pA); the input current
    at potential V is ``current + g_e - g * V``.
    """
    current = 0.0
    conductance = 0.0
    driven = 0.0
    c0 = channels.grp_ptr[g]
    for c in range(c0, channels.grp_ptr[g + 1]):
        kind = channels.kind[c]
        if kind == CH_DELTA:
            continue
        j = channels.block_start[c] + local
        f = table[c - c0, m]
        if kind == CH_EXP:
            current += channels.current[j] * f
        elif kind == CH_ALPHA:
            current += f * (channels.current[j] + s * channels.aux[j])
        else:
            g_j = channels.current[j] * f
            conductance += g_j
            driven += g_j * channels.e_rev[c]
    return current, conductance, driven


@njit
def _rk4_substep(model, g, local, i, sub, k, state, par, drive, channels, table):
    """RK4 sub-step number ``sub`` (of length ``k``) of the step, for the ODE models.

    The state is carried as four scalars (V and up to three more variables), so that the
    innermost loop allocates nothing.
    """
    s0 = sub * k
    c_a, g_a, e_a = _synaptic_at(g, local, channels, s0, table, 2 * sub)
    c_b, g_b, e_b = _synaptic_at(g, local, channels, s0 + k / 2, table, 2 * sub + 1)
    c_c, g_c, e_c = _synaptic_at(g, local, channels, s0 + k, table, 2 * sub + 2)
    y0, y1, y2, y3 = state[0, i], state[1, i], state[2, i], state[3, i]
    a0, a1, a2, a3 = _rhs(model, i, y0, y1, y2, y3, par, drive + c_a + e_a, g_a)
    half = k / 2
    b0, b1, b2, b3 = _rhs(model, i, y0 + half * a0, y1 + half * a1, y2 + half * a2,
                          y3 + half * a3, par, drive + c_b + e_b, g_b)  # fmt: skip
    d0, d1, d2, d3 = _rhs(model, i, y0 + half * b0, y1 + half * b1, y2 + half * b2,
                          y3 + half * b3, par, drive + c_b + e_b, g_b)  # fmt: skip
    f0, f1, f2, f3 = _rhs(model, i, y0 + k * d0, y1 + k * d1, y2 + k * d2, y3 + k * d3, par,
                          drive + c_c + e_c, g_c)  # fmt: skip
    sixth = k / 6
    state[0, i] = y0 + sixth * (a0 + 2 * b0 + 2 * d0 + f0)
    state[1, i] = y1 + sixth * (a1 + 2 * b1 + 2 * d1 + f1)
    state[2, i] = y2 + sixth * (a2 + 2 * b2 + 2 * d2 + f2)
    state[3, i] = y3 + sixth * (a3 + 2 * b3 + 2 * d3 + f3)


@njit
def _rhs(model, i, v, y1, y2, y3, par, current_in, conductance):
    """Time derivatives of (V, y1, y2, y3); the input current at V is current_in - g V."""
    if model == MODEL_HH:
        am, bm, ah, bh, an, bn = hh_rates(v)
        m, hg, n = y1, y2, y3
        i_na = par[HH_G_NA, i] * m * m * m * hg * (v - par[HH_E_NA, i])
        i_k = par[HH_G_K, i] * n * n * n * n * (v - par[HH_E_K, i])
        i_l = par[HH_G_L, i] * (v - par[HH_E_L, i])
        dv = (current_in - conductance * v - i_na - i_k - i_l) / par[HH_C_M, i]
        return dv, am * (1 - m) - bm * m, ah * (1 - hg) - bh * hg, an * (1 - n) - bn * n
    if model == MODEL_ADEX:
        v = min(v, par[ADEX_V_PEAK, i])  # as NEST: keeps exp() finite during the upstroke
        w = y1
        g_l = par[ADEX_G_L, i]
        delta_t = par[ADEX_DELTA_T, i]
        spike_current = g_l * delta_t * np.exp((v - par[ADEX_V_T, i]) / delta_t)
        leak = -g_l * (v - par[ADEX_E_L, i])
        dv = (leak + spike_current - w + current_in - conductance * v) / par[ADEX_C_M, i]
        dw = (par[ADEX_A, i] * (v - par[ADEX_E_L, i]) - w) / par[ADEX_TAU_W, i]
        return dv, dw, 0.0, 0.0
    # MODEL_LIF_COND; the adaptation current is inside current_in
    dv = _cond_rhs(v, par[LIF_C_M, i], par[LIF_TAU_M, i], par[LIF_E_L, i], current_in, conductance)
    return dv, 0.0, 0.0, 0.0


@njit
def _adex_refractory(i, k, state, par):
    """While refractory, AdEx's V is clamped to V_reset and w relaxes towards a (V_reset - E_L)."""
    w_inf = par[ADEX_A, i] * (par[ADEX_V_RESET, i] - par[ADEX_E_L, i])
    state[ADEX_W, i] = w_inf + (state[ADEX_W, i] - w_inf) * np.exp(-k / par[ADEX_TAU_W, i])
    state[STATE_V, i] = par[ADEX_V_RESET, i]


@njit
def _izhikevich_step(i, h, state, par, current_in, jump):
    """Izhikevich (2003), integrated as NEST's ``izhikevich`` with consistent integration.

    v' = 0.04 v^2 + 5 v + 140 - u + I,  u' = a (b v - u); v >= v_peak: v <- c, u <- u + d.
    Forward Euler on the values at the start of the step; delta inputs (mV) are added after it.
    """
    v_old = state[STATE_V, i]
    u_old = state[IZH_U, i]
    dv = 0.04 * v_old * v_old + 5.0 * v_old + 140.0 - u_old + current_in
    state[STATE_V, i] = v_old + h * dv + jump
    state[IZH_U, i] = u_old + h * par[IZH_A, i] * (par[IZH_B, i] * v_old - u_old)
    if state[STATE_V, i] >= par[IZH_V_PEAK, i]:
        state[STATE_V, i] = par[IZH_C, i]
        state[IZH_U, i] += par[IZH_D, i]
        return True
    return False


@njit
def hh_rates(v):
    """Opening and closing rates (1/ms) of the classic squid-axon gates, V in mV (rest -65)."""
    x = v + 55.0
    alpha_n = 0.1 if abs(x) < 1e-7 else 0.01 * x / (1.0 - np.exp(-x / 10.0))
    beta_n = 0.125 * np.exp(-(v + 65.0) / 80.0)
    y = v + 40.0
    alpha_m = 1.0 if abs(y) < 1e-7 else 0.1 * y / (1.0 - np.exp(-y / 10.0))
    beta_m = 4.0 * np.exp(-(v + 65.0) / 18.0)
    alpha_h = 0.07 * np.exp(-(v + 65.0) / 20.0)
    beta_h = 1.0 / (1.0 + np.exp(-(v + 35.0) / 10.0))
    return alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_STEP_MUL = np.uint64(0xD1B54A32D192ED03)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)


@njit
def uniform01(seed, neuron, step):
    """A uniform number in [0, 1) that depends only on (seed, neuron, step).

    A counter-based generator (the SplitMix64 finaliser, Steele et al. 2014): results do not
    depend on how a run is chunked, on other simulators in the process, or on threads.
    """
    x = np.uint64(seed) + np.uint64(neuron + 1) * _GOLDEN + np.uint64(step + 1) * _STEP_MUL
    x = (x ^ (x >> _S30)) * _MIX1
    x = (x ^ (x >> _S27)) * _MIX2
    x = x ^ (x >> _S31)
    return np.float64(x >> _S11) * (1.0 / 9007199254740992.0)
