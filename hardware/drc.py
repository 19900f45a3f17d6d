"""Design-rule checks: every limit of the profile a network breaks, in words, linked to a node.

Rules run before placement (node types, time step, delays, weights: they do not depend on where
neurons go) and after it (per-core limits, per-neuron targets, chips). Each
:class:`Violation` has a stable rule id from the catalogue in ``docs/hardware.md``, a severity
(``error`` means the design does not fit), a message in the style "Core 17 receives 300
distinct input axons; TrueNorth cores accept 256" and the id of the node it concerns.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from hardware.arrays import distinct
from hardware.mapping import Mapping, targets_per_neuron
from hardware.quantize import quantize_weights

SEVERITIES = ("error", "warning", "info")

#: The rule reported for an unsupported (or approximated) node, by category.
UNSUPPORTED_RULES = {
    "population": "model.unsupported",
    "projection": "synapse.unsupported",
    "plasticity": "plasticity.unsupported",
    "modulator": "plasticity.unsupported",
    "encoder": "input.unsupported",
    "recorder": "readout.unsupported",
}


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes
    ----------
    rule
        Stable id (``"core.fan_in"``).
    severity
        ``"error"`` (the design does not fit), ``"warning"`` or ``"info"``.
    message
        One sentence a user understands.
    node
        Id of the document node it concerns, or ``None`` for the whole design.
    core
        The core concerned, if any.
    value, limit
        The offending number and the platform's limit, when there are numbers.
    """

    rule: str
    severity: str
    message: str
    node: str | None = None
    core: int | None = None
    value: float | None = None
    limit: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None or k == "node"}


def check(mapping: Mapping) -> list[Violation]:
    """Every rule, before and after placement, errors first."""
    found = check_before_placement(mapping) + check_after_placement(mapping)
    return sorted(found, key=lambda v: SEVERITIES.index(v.severity))


# -- before placement -------------------------------------------------------------------------
def check_before_placement(mapping: Mapping) -> list[Violation]:
    """Rules that do not depend on where neurons are placed."""
    return (
        _node_types(mapping)
        + _time_step(mapping)
        + _delays(mapping)
        + _weights(mapping)
        + _io_channels(mapping)
        + _synaptic_states(mapping)
    )


def _node_types(mapping: Mapping) -> list[Violation]:
    network, platform = mapping.network, mapping.profile.short_name
    out = []
    for node in network.nodes:
        support = mapping.supports[node.id]
        category = network.node_type(node).category
        rule = UNSUPPORTED_RULES[category]
        if support.status == "unsupported":
            what = {
                "population": f"Neuron model '{node.type_id}' of '{node.name}'",
                "projection": f"Projection '{node.name}' ({node.type_id})",
                "plasticity": f"Plasticity rule '{node.name}' ({node.type_id})",
                "modulator": f"Modulator '{node.name}'",
                "encoder": f"Input '{node.name}' ({node.type_id})",
                "recorder": f"Recorder '{node.name}' ({node.type_id})",
            }[category]
            governs = ""
            if category == "plasticity":
                names = [network.node(lk.target).name for lk in network.links_from(node.id, "out")]
                if names:
                    governs = " It makes " + ", ".join(f"'{n}'" for n in names) + " plastic."
            # a probe the chip lacks does not stop the network from running
            severity = "warning" if category == "recorder" else "error"
            out.append(Violation(rule, severity,
                                 f"{what} is not supported on {platform}: "
                                 f"{support.reason}.{governs}",
                                 node.id))  # fmt: skip
        elif support.status == "approximated":
            out.append(Violation(rule.replace("unsupported", "approximated"), "warning",
                                 f"'{node.name}' ({node.type_id}) runs approximately on "
                                 f"{platform}: {support.reason}.", node.id))  # fmt: skip
    return out


def _time_step(mapping: Mapping) -> list[Violation]:
    profile = mapping.profile
    dt = mapping.compiled.dt_ms
    mode = profile.data["timing"]["mode"]
    platform = profile.short_name
    fixed = profile.fixed_dt_ms
    if fixed is not None and not math.isclose(dt, fixed, rel_tol=1e-9):
        return [Violation("time.dt", "warning",
                          f"Simulation dt={dt:g} ms but {platform} runs a fixed {fixed:g} ms step "
                          f"({mode.replace('_', ' ')}); the quantized emulation runs at "
                          f"{fixed:g} ms.", None, value=dt, limit=fixed)]  # fmt: skip
    if mode in ("event_driven", "single_pass"):
        words = {"event_driven": "is event-driven with no time step",
                 "single_pass": "runs a single feed-forward pass with no time step",
                 }[mode]  # fmt: skip
        return [Violation("time.dt", "info",
                          f"{platform} {words}; time constants and the {dt:g} ms step of the "
                          "simulation have no counterpart on the chip.")]  # fmt: skip
    return []


def chip_dt_ms(mapping: Mapping) -> float:
    """The step the chip would run: its fixed tick, else the simulation's dt."""
    return mapping.profile.fixed_dt_ms or mapping.compiled.dt_ms


def _delays(mapping: Mapping) -> list[Violation]:
    profile, syn = mapping.profile, mapping.synapses
    limit = profile.limit("max_delay_steps")
    if limit is None or syn.size == 0:
        return []
    tick = chip_dt_ms(mapping)
    steps = np.maximum(1, np.rint(syn.delay * mapping.compiled.dt_ms / tick)).astype(np.int64)
    out = []
    for k, info in enumerate(mapping.compiled.projections):
        mine = steps[syn.projection == k]
        if mine.size and mine.max() > limit:
            out.append(Violation("proj.delay", "error",
                                 f"Projection '{info.name}' needs delays up to {int(mine.max())} "
                                 f"steps of {tick:g} ms; {profile.short_name} supports "
                                 f"{int(limit)}.", info.node_id, value=int(mine.max()),
                                 limit=limit))  # fmt: skip
            out[-1] = _graded(out[-1], profile, "core.max_delay_steps")
    return out


def _weights(mapping: Mapping) -> list[Violation]:
    profile, syn = mapping.profile, mapping.synapses
    bits = profile.limit("weight_bits")
    if bits is None or syn.size == 0:
        return []
    signed = bool(profile.data["core"].get("weight_signed", True))
    quantized, _ = quantize_weights(syn.weight, syn.projection, int(bits), signed)
    out = []
    for k, info in enumerate(mapping.compiled.projections):
        mask = syn.projection == k
        if not mask.any():
            continue
        w, q = syn.weight[mask], quantized[mask]
        scale = np.abs(w).max()
        error = float(np.abs(q - w).max() / scale) if scale > 0 else 0.0
        if error == 0.0:
            continue  # exactly representable: nothing to report
        kind = "signed" if signed else "unsigned (sign from the synapse type)"
        out.append(Violation("proj.weight_bits", "warning" if error > 0.01 else "info",
                             f"Projection '{info.name}' quantized from float to {int(bits)}-bit "
                             f"{kind} weights; max relative error {error:.1%}, 0 weights "
                             "clipped.", info.node_id, value=error, limit=bits))  # fmt: skip
    limit = profile.limit("max_distinct_weights_per_neuron")
    if limit is not None:
        level = np.unique(quantized, return_inverse=True)[1].astype(np.int64)
        n_levels = int(level.max()) + 1
        pairs = distinct(syn.post * n_levels + level)
        levels_of = np.bincount(pairs // n_levels, minlength=syn.n_neurons)
        for info in mapping.compiled.groups:
            block = levels_of[info.start : info.start + info.size]
            worst = int(block.max()) if block.size else 0
            if worst > limit:
                over = int((block > limit).sum())
                out.append(Violation("neuron.distinct_weights", "error",
                                     f"{over} neuron(s) of '{info.name}' use up to {worst} "
                                     f"distinct input weights; {profile.short_name} allows "
                                     f"{int(limit)} (one per axon type). Quantize to "
                                     f"{int(limit)} levels.", info.node_id, value=worst,
                                     limit=limit))  # fmt: skip
                out[-1] = _graded(out[-1], profile, "core.max_distinct_weights_per_neuron")
    return out


def _io_channels(mapping: Mapping) -> list[Violation]:
    profile, syn = mapping.profile, mapping.synapses
    core_of = mapping.placement.core_of
    out = []
    limit = profile.limit("max_input_channels")
    if limit is not None and syn.size:
        from_host = (core_of[syn.pre] < 0) & (core_of[syn.post] >= 0)
        n = distinct(syn.pre[from_host]).size
        if n > limit:
            out.append(Violation("io.inputs", "warning",
                                 f"{profile.short_name} only supports up to {int(limit)} input "
                                 f"channels. The network requires {n} input channels.",
                                 value=n, limit=limit))  # fmt: skip
    limit = profile.limit("max_output_channels")
    if limit is not None:
        senders = set(distinct(syn.pre[core_of[syn.post] >= 0]).tolist()) if syn.size else set()
        sinks = [i for i in np.flatnonzero(core_of >= 0).tolist() if i not in senders]
        if len(sinks) > limit:
            out.append(Violation("io.outputs", "warning",
                                 f"{profile.short_name} only supports up to {int(limit)} output "
                                 f"channels. The network has {len(sinks)} output neurons.",
                                 value=len(sinks), limit=limit))  # fmt: skip
    return out


def _synaptic_states(mapping: Mapping) -> list[Violation]:
    limit = mapping.profile.limit("max_synaptic_states")
    if limit is None:
        return []
    grp_ptr = mapping.compiled.arrays["channels"].grp_ptr
    out = []
    for g, info in enumerate(mapping.compiled.groups):
        n = int(grp_ptr[g + 1] - grp_ptr[g])
        if n > limit and mapping.group_support(g).on_cores:
            out.append(Violation("neuron.synaptic_states", "error",
                                 f"'{info.name}' needs {n} synaptic time constants; "
                                 f"{mapping.profile.short_name} neurons have {int(limit)}.",
                                 info.node_id, value=n, limit=limit))  # fmt: skip
    return out


# -- after placement --------------------------------------------------------------------------
def check_after_placement(mapping: Mapping) -> list[Violation]:
    """Per-core limits, per-neuron targets and chip counts of the placement."""
    return _core_limits(mapping) + _targets(mapping) + _chips(mapping)


def _main_node(mapping: Mapping, core: int) -> str | None:
    groups = mapping.usage.groups[core]
    if not groups:
        return None
    members = mapping.groups_of[mapping.placement.core_of == core]
    counts = np.bincount(members, minlength=len(mapping.compiled.groups))
    return mapping.compiled.groups[int(np.argmax(counts))].node_id


LIMIT_PATHS = {
    "core.neurons": "core.max_neurons",
    "core.synmem": "core.synaptic_memory_bits",
    "core.fan_in": "core.max_fan_in_axons",
    "core.fan_out": "core.max_fan_out",
    "core.destinations": "core.max_core_destinations",
}


def _core_limits(mapping: Mapping) -> list[Violation]:
    profile, usage = mapping.profile, mapping.usage
    platform = profile.short_name
    checks = [
        ("core.neurons", usage.neurons, profile.limit("max_neurons"),
         "Core {core} holds {value} neurons ({names}); {platform} cores hold at most {limit}."),
        ("core.synmem", usage.synaptic_memory_bits, profile.limit("synaptic_memory_bits"),
         "Core {core} needs {kib:.1f} KiB synaptic memory (limit {limit_kib:.1f} KiB). Reduce "
         "weight bits, prune, or spread targets."),
        ("core.fan_in", usage.fan_in, profile.limit("max_fan_in_axons"),
         "Core {core} receives {value} distinct input axons; {platform} cores accept {limit}."),
        ("core.fan_out", usage.fan_out, profile.limit("max_fan_out"),
         "Core {core} sends spikes to {value} core-to-core destinations; limit is {limit}."),
        ("core.destinations", usage.destinations, profile.limit("max_core_destinations"),
         "Core {core} sends to {value} other cores; {platform} cores have at most {limit} "
         "destinations."),
    ]  # fmt: skip
    out = []
    for rule, values, limit, template in checks:
        if limit is None:
            continue
        for core in np.flatnonzero(values > limit).tolist():
            value = float(values[core])
            names = ", ".join(f"'{mapping.compiled.groups[g].name}'" for g in usage.groups[core])
            message = template.format(
                core=core, value=int(value), limit=int(limit), platform=platform, names=names,
                kib=value / 8 / 1024, limit_kib=limit / 8 / 1024,
            )  # fmt: skip
            violation = Violation(rule, "error", message, _main_node(mapping, core), core,
                                  value, limit)  # fmt: skip
            out.append(_graded(violation, profile, LIMIT_PATHS[rule]))
    return out


def _targets(mapping: Mapping) -> list[Violation]:
    profile = mapping.profile
    limit = profile.limit("max_targets_per_neuron")
    if limit is None:
        return []
    targets = targets_per_neuron(mapping.placement, mapping.synapses)
    per_core = profile.limit("max_neurons") or math.inf
    out = []
    for g, info in enumerate(mapping.compiled.groups):
        if not mapping.group_support(g).on_cores:
            continue  # the host sends a spike to as many cores as it likes
        block = targets[info.start : info.start + info.size]
        over = block > limit
        if not over.any():
            continue
        extra = int((block[over] - limit).sum())
        extra_cores = math.ceil(extra / per_core) if per_core < math.inf else 0
        out.append(Violation("neuron.targets", "error",
                             f"{int(over.sum())} neuron(s) of '{info.name}' project to up to "
                             f"{int(block.max())} cores; {profile.short_name} neurons have "
                             f"{int(limit)} target axon{'s' if limit != 1 else ''}. Insert "
                             f"{extra} splitter neurons (+{extra_cores} cores).", info.node_id,
                             value=int(block.max()), limit=limit))  # fmt: skip
        out[-1] = _graded(out[-1], profile, "core.max_targets_per_neuron")
    return out


def _chips(mapping: Mapping) -> list[Violation]:
    profile = mapping.profile
    cores, chips = mapping.cores_used, mapping.chips_used
    per_chip, max_chips = profile.cores_per_chip, profile.max_chips
    platform = profile.short_name
    out = []
    if max_chips is not None and chips > max_chips:
        systems = profile.data["topology"].get("systems", [])
        largest = max(systems, key=lambda s: s["chips"])["name"] if systems else "system"
        out.append(Violation("chip.cores", "error",
                             f"Design needs {cores} cores on {chips} chips; the largest "
                             f"{platform} system in this profile ({largest}) has {max_chips} "
                             "chip(s).", value=chips, limit=max_chips))  # fmt: skip
    elif chips > 1:
        out.append(Violation("chip.cores", "info",
                             f"Design needs {cores} cores; one {platform} chip has {per_chip}. "
                             f"Using {chips} chips.", value=cores, limit=per_chip))  # fmt: skip
    return out


def _graded(violation: Violation, profile, path: str) -> Violation:
    """An error against a limit graded ``U`` (unconfirmed) is downgraded to a warning."""
    if violation.severity != "error" or profile.evidence_of(path) != "U":
        return violation
    return Violation(violation.rule, "warning", violation.message + " (limit unconfirmed)",
                     violation.node, violation.core, violation.value, violation.limit)  # fmt: skip


def fits(violations: list[Violation]) -> bool:
    """Whether no rule of severity ``error`` is broken."""
    return not any(v.severity == "error" for v in violations)
