"""Projections: the synapses from one group of neurons onto a population."""

from __future__ import annotations

from engine.model.catalog import CATALOG, NodeType, Port
from engine.model.params import ParamSpec
from engine.nodes.common import MAX_GROUP_SIZE

CONNECTIVITY_RULES = (
    "all_to_all",
    "one_to_one",
    "fixed_probability",
    "fixed_indegree",
    "fixed_outdegree",
    "distance",
    "conv2d",
    "explicit",
)
#: Kernel presets of the conv2d rule (engine.sim.connectivity.kernel_bank), and "file".
KERNELS = (
    "identity",
    "sobel_x",
    "sobel_y",
    "laplacian",
    "gaussian_blur",
    "on_center",
    "off_center",
    "edges",
    "on_off",
    "file",
)
#: Synapse models of current-based projections.
SYNAPSE_MODELS = ("current_exp", "current_alpha")
#: Rules that draw pairs, for which self-synapses of a recurrent projection can be left out.
_WITH_AUTAPSES = (
    "all_to_all",
    "fixed_probability",
    "fixed_indegree",
    "fixed_outdegree",
    "distance",
)


#: What every kind of projection says about drawing synapses.
CONNECTIVITY_DOC = (
    "Synapses from the neurons wired to 'pre' onto the population wired from 'post'. "
    "The connectivity rule draws the synapses (reproducibly, from the project seed and "
    "this node's id, or from its own seed); each synapse has a weight and a delay, "
    "which may be drawn from a distribution.\n"
    "Rules: all_to_all; one_to_one (equal sizes); fixed_probability (each pair with "
    "probability p); fixed_indegree (each post neuron gets exactly k distinct pre "
    "neurons); fixed_outdegree (each pre neuron reaches exactly k distinct post "
    "neurons); distance (probability falls with the distance on the 2-D grids); "
    "conv2d (a convolution between feature maps); explicit (synapses listed in a "
    "file). autapses=false leaves out i -> i synapses of a recurrent projection.\n"
    "Grids: a group's shape [rows, cols] or [channels, rows, cols] lays its neurons "
    "out row by row, channel after channel; a group without shape is one row of "
    "neurons. distance measures in cells of the post grid, with the pre grid scaled "
    "onto it so both maps cover the same area (cell centres aligned: "
    "x' = (x + 0.5) W_post / W_pre - 0.5); all channels of a map share its positions. "
    "gaussian: p(d) = p exp(-d^2 / (2 sigma^2)), cut off beyond 5.3 sigma along "
    "either axis (below 1e-6 of the peak); box: p(d) = p for d <= radius. periodic "
    "wraps distances around the post grid.\n"
    "conv2d: cross-correlation as in PyTorch's conv2d, zero padding: post neuron "
    "(o, y, x) receives from pre (i, y stride - padding + ky, x stride - padding + kx) "
    "with weight = weight * K[o, i, ky, kx]; zero kernel entries make no synapse. The "
    "post shape must be [C_out, H_out, W_out] with H_out = (H + 2 padding - k) // "
    "stride + 1. A preset, or a .npy kernel of shape (k, k) or (M, k, k), filters each "
    "input channel separately (C_out = M C_in, output channel i M + m); a .npy kernel "
    "of shape (C_out, C_in, k, k) is a full convolution. Presets: identity; sobel_x, "
    "sobel_y, laplacian (3 x 3); gaussian_blur (sums to 1); on_center/off_center "
    "(difference of Gaussians, 1 at the centre, sums to 0); edges = sobel_x and "
    "sobel_y; on_off = on_center and off_center.\n"
    "explicit: layout matrix is an (n_pre, n_post) array of weights in pA, 0 meaning "
    "no synapse; layout list has one row per synapse: pre, post, weight[, delay_ms] "
    "(indices from 0 within each group). .npy or .csv (comma separated, # comments, "
    "an optional header line). Files are found relative to the project file.\n"
    "Delays are rounded to whole time steps, at least one.\n"
)

PROJECTION_PORTS = (
    Port("pre", "spikes", "in", required=True, doc="The presynaptic neurons"),
    Port("plasticity", "rule", "in", doc="The plasticity rule that changes the weights"),
    Port("post", "synapses", "out", doc="Onto the target population"),
)


def connectivity_params() -> tuple[ParamSpec, ...]:
    """The rule and its parameters, shared by every kind of projection."""
    return (
        ParamSpec(
            "rule",
            "fixed_probability",
            "",
            "How synapses are drawn",
            kind="choice",
            choices=CONNECTIVITY_RULES,
        ),
        ParamSpec(
            "p",
            0.1,
            "",
            "Probability of each possible synapse (distance: at distance 0)",
            low=0.0,
            high=1.0,
            relevant_when={"rule": ("fixed_probability", "distance")},
        ),
        ParamSpec(
            "k",
            10,
            "",
            "Synapses per neuron: into each post neuron (fixed_indegree) or out of each pre "
            "neuron (fixed_outdegree)",
            kind="int",
            low=0,
            high=MAX_GROUP_SIZE,
            relevant_when={"rule": ("fixed_indegree", "fixed_outdegree")},
        ),
        ParamSpec(
            "profile",
            "gaussian",
            "",
            "How the connection probability falls with distance",
            kind="choice",
            choices=("gaussian", "box"),
            relevant_when={"rule": ("distance",)},
        ),
        ParamSpec(
            "sigma",
            2.0,
            "",
            "Width of the Gaussian profile, in cells of the post grid",
            low=0.0,
            low_inclusive=False,
            high=1e6,
            relevant_when={"rule": ("distance",), "profile": ("gaussian",)},
        ),
        ParamSpec(
            "radius",
            2.0,
            "",
            "Reach of the box profile, in cells of the post grid",
            low=0.0,
            high=1e6,
            relevant_when={"rule": ("distance",), "profile": ("box",)},
        ),
        ParamSpec(
            "periodic",
            False,
            "",
            "Wrap distances around the edges of the grid (a torus)",
            kind="bool",
            relevant_when={"rule": ("distance",)},
        ),
        ParamSpec(
            "kernel",
            "identity",
            "",
            "Convolution kernel: a preset, or 'file' for a .npy array given in path",
            kind="choice",
            choices=KERNELS,
            relevant_when={"rule": ("conv2d",)},
        ),
        ParamSpec(
            "kernel_size",
            3,
            "",
            "Side of a preset kernel (odd)",
            kind="int",
            low=1,
            high=99,
            relevant_when={"rule": ("conv2d",), "kernel": KERNELS[:-1]},
        ),
        ParamSpec(
            "stride",
            1,
            "",
            "Step of the kernel over the pre map",
            kind="int",
            low=1,
            high=1000,
            relevant_when={"rule": ("conv2d",)},
        ),
        ParamSpec(
            "padding",
            0,
            "",
            "Rows and columns of zeros added around the pre map",
            kind="int",
            low=0,
            high=1000,
            relevant_when={"rule": ("conv2d",)},
        ),
        ParamSpec(
            "layout",
            "list",
            "",
            "How the file lists the synapses: rows of pre, post, weight[, delay_ms], or a "
            "pre x post weight matrix",
            kind="choice",
            choices=("list", "matrix"),
            relevant_when={"rule": ("explicit",)},
        ),
        ParamSpec(
            "path",
            None,
            "",
            "File of the explicit synapses (.npy/.csv) or of the conv2d kernel (.npy), "
            "relative to the project file",
            kind="path",
            optional=True,
            relevant_when={"rule": ("conv2d", "explicit")},
        ),
        ParamSpec(
            "autapses",
            False,
            "",
            "Allow a neuron to synapse onto itself (recurrent projections)",
            kind="bool",
            relevant_when={"rule": _WITH_AUTAPSES},
        ),
    )


def weight_param(unit: str, doc: str, default: float, low: float = -1e6) -> ParamSpec:
    return ParamSpec(
        "weight",
        default,
        unit,
        doc + "; conv2d: the factor of the kernel",
        low=low,
        high=1e6,
        allow_distribution=True,
        relevant_when={"rule": CONNECTIVITY_RULES[:-1]},
    )


def delay_and_seed() -> tuple[ParamSpec, ...]:
    return (
        ParamSpec(
            "delay_ms",
            1.0,
            "ms",
            "Transmission delay",
            low=0.0,
            low_inclusive=False,
            high=1000.0,
            allow_distribution=True,
        ),
        ParamSpec(
            "seed",
            None,
            "",
            "Seed of this projection's connectivity (empty: derived from the project seed)",
            kind="int",
            low=0,
            high=2**63 - 1,
            optional=True,
        ),
    )


STP_DOC = (
    "stp tsodyks_markram: each presynaptic spike's weight is scaled by u x, updated at every "
    "spike of the presynaptic neuron after an interval h since its previous one (as NEST's "
    "tsodyks2_synapse; Tsodyks & Markram 1997): x <- 1 + (x - u x - 1) exp(-h / tau_rec), "
    "u <- U + u (1 - U) exp(-h / tau_fac), starting from u = U, x = 1 at the first spike; "
    "small U and long tau_fac give facilitation, large U and long tau_rec depression. Not "
    "combined with a plasticity rule yet.\n"
)


def stp_params() -> tuple[ParamSpec, ...]:
    """Short-term plasticity (static projections only)."""
    when = {"stp": ("tsodyks_markram",)}
    return (
        ParamSpec("stp", "none", "", "Short-term plasticity of the synapses", kind="choice",
                  choices=("none", "tsodyks_markram")),
        ParamSpec("stp_u", 0.5, "", "Utilisation increment U", low=0.0, low_inclusive=False,
                  high=1.0, relevant_when=when),
        ParamSpec("tau_rec", 800.0, "ms", "Recovery time constant of the resources", low=0.0,
                  low_inclusive=False, high=1e6, relevant_when=when),
        ParamSpec("tau_fac", 0.0, "ms", "Facilitation time constant (0: none)", low=0.0,
                  high=1e6, relevant_when=when),
    )  # fmt: skip


def tau_syn_param(default: float, doc: str) -> ParamSpec:
    return ParamSpec("tau_syn", default, "ms", doc, low=0.0, low_inclusive=False, high=1e4)


SYNAPSES = CATALOG.register(
    NodeType(
        type_id="projection.synapses",
        version=1,
        title="Projection",
        category="projection",
        doc=(
            CONNECTIVITY_DOC
            + "current_exp: a spike arriving at time t adds the weight (pA) to a synaptic "
            "current that decays with tau_syn: I(t') = w exp(-(t' - t) / tau_syn).\n"
            "current_alpha: the current rises and falls, I(t') = w (s / tau_syn) exp(1 - s / "
            "tau_syn) with s = t' - t, peaking at w when s = tau_syn (as NEST's psc_alpha).\n"
            "Negative weights are inhibitory.\n" + STP_DOC
        ),
        ports=PROJECTION_PORTS,
        params=(
            *connectivity_params(),
            ParamSpec(
                "synapse", "current_exp", "", "Synapse model", kind="choice", choices=SYNAPSE_MODELS
            ),
            weight_param("pA", "Synaptic weight, the current's peak (negative: inhibitory)", 100.0),
            *delay_and_seed(),
            tau_syn_param(2.0, "Time constant of the synaptic current"),
            *stp_params(),
        ),
    )
)

CONDUCTANCE = CATALOG.register(
    NodeType(
        type_id="projection.conductance",
        version=1,
        title="Conductance projection",
        category="projection",
        doc=(
            CONNECTIVITY_DOC
            + "A spike arriving at time t opens a conductance that decays with tau_syn, "
            "g(t') = w exp(-(t' - t) / tau_syn), and drives the membrane with "
            "g (e_rev - V): excitatory for e_rev above the potential, inhibitory below (as "
            "NEST's iaf_cond_exp). Target LIF populations are then integrated with RK4 "
            "sub-steps.\n" + STP_DOC
        ),
        ports=PROJECTION_PORTS,
        params=(
            *connectivity_params(),
            weight_param("nS", "Peak conductance of a synapse", 1.0, low=0.0),
            ParamSpec(
                "e_rev",
                0.0,
                "mV",
                "Reversal potential (0: excitatory, -80: inhibitory)",
                low=-200.0,
                high=200.0,
            ),  # fmt: skip
            *delay_and_seed(),
            tau_syn_param(5.0, "Decay time constant of the conductance"),
            *stp_params(),
        ),
    )
)

DELTA = CATALOG.register(
    NodeType(
        type_id="projection.delta",
        version=1,
        title="Delta projection",
        category="projection",
        doc=(
            CONNECTIVITY_DOC
            + "A spike arriving at time t makes the membrane potential jump by the weight "
            "(mV) at t, before the threshold test; spikes arriving while the target is "
            "refractory are lost (as NEST's iaf_psc_delta). Not available with plasticity."
        ),
        ports=(PROJECTION_PORTS[0], PROJECTION_PORTS[2]),
        params=(
            *connectivity_params(),
            weight_param("mV", "Jump of the membrane potential (negative: inhibitory)", 0.5),
            *delay_and_seed(),
        ),
    )
)
