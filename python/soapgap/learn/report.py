"""The report of `soapgap learn`: a Markdown table per iteration, a plot and the raw history.

write_report(config, history, labeller, status) writes workdir/report.md, report.png (when
matplotlib is available) and history.json.
"""

import json
import math
import os

__all__ = ["write_report", "report_table"]


def _fmt(x, digits=2):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return "%.*f" % (digits, x)


def report_table(history):
    """Markdown table: one row per iteration."""
    groups = sorted({g for h in history for g in h["heldout"].get("groups", {})})
    head = ["iteration", "training configs", "labelled by the loop", "held-out E RMSE (meV/atom)",
            "held-out F RMSE (eV/Å)"]
    for g in groups:
        head += ["E RMSE %s" % g, "F RMSE %s" % g]
    head += ["MD samples", "flagged", "max σ (meV)", "Spearman σ_i vs \\|ΔF_i\\|", "Spearman σ_E vs \\|ΔE\\|"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for h in history:
        ho = h["heldout"]
        a = ho.get("all", {})
        row = [str(h["iteration"]), str(h["training_configurations"]), str(h["labelled_by_loop"]),
               _fmt(a.get("energy_rmse_meV_per_atom")), _fmt(a.get("force_rmse_eV_per_A"), 3)]
        for g in groups:
            gg = ho.get("groups", {}).get(g, {})
            row += [_fmt(gg.get("energy_rmse_meV_per_atom")), _fmt(gg.get("force_rmse_eV_per_A"), 3)]
        md = h["md"]
        row += [str(md["samples"]), "%d (%.0f %%)" % (md["flagged"], 100 * md["flagged_fraction"]),
                _fmt(1000 * md["sigma_max_eV"], 1), _fmt(ho.get("spearman_atom_sigma_vs_force_error")),
                _fmt(ho.get("spearman_energy_sigma_vs_energy_error"))]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def _plot(history, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    it = [h["iteration"] for h in history]
    groups = sorted({g for h in history for g in h["heldout"].get("groups", {})})
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    ax = axes[0]
    for g in groups:
        ax.plot(it, [h["heldout"].get("groups", {}).get(g, {}).get("force_rmse_eV_per_A", math.nan) for h in history],
                "o-", label=g)
    ax.set_xlabel("iteration")
    ax.set_ylabel("held-out force RMSE (eV/Å)")
    ax.set_yscale("log")
    if groups:
        ax.legend(fontsize=8)
    ax = axes[1]
    for g in groups:
        ax.plot(it, [h["heldout"].get("groups", {}).get(g, {}).get("energy_rmse_meV_per_atom", math.nan)
                     for h in history], "o-", label=g)
    ax.set_xlabel("iteration")
    ax.set_ylabel("held-out energy RMSE (meV/atom)")
    ax.set_yscale("log")
    ax = axes[2]
    ax.plot(it, [100 * h["md"]["flagged_fraction"] for h in history], "o-", color="C3", label="MD samples flagged (%)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("flagged samples (%)")
    ax2 = ax.twinx()
    ax2.plot(it, [h["heldout"].get("spearman_atom_sigma_vs_force_error", math.nan) for h in history], "s--",
             color="C4", label="Spearman σ(atom) vs |ΔF(atom)|")
    ax2.plot(it, [h["heldout"].get("spearman_energy_sigma_vs_energy_error", math.nan) for h in history], "^--",
             color="C5", label="Spearman σ_E vs |ΔE|")
    ax2.set_ylabel("Spearman correlation")
    ax2.set_ylim(-1, 1)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], fontsize=8, loc="center right")
    for a in axes:
        a.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=110)
    plt.close(fig)
    os.replace(path + ".tmp.png", path)
    return True


def write_report(cfg, history, labeller, status=None):
    workdir = cfg.workdir
    with open(os.path.join(workdir, "history.json.tmp"), "w") as f:
        json.dump(history, f, indent=1)
    os.replace(os.path.join(workdir, "history.json.tmp"), os.path.join(workdir, "history.json"))
    has_plot = _plot(history, os.path.join(workdir, "report.png"))
    text = [
        "# soapgap learn: report",
        "",
        "Configuration: `%s`. Labeller: %s. Threshold on the predicted σ of an atom's local energy: %.1f meV "
        "(MD halts above %.1f meV); at most %d labels per iteration, %d iterations, %d labels."
        % (cfg.path, labeller, 1000 * cfg.threshold, 1000 * cfg.stop_threshold, cfg.per_iteration,
           cfg.max_iterations, cfg.max_labels),
        "",
        "Each row is the potential of that iteration: the configurations it was fitted on, its errors on the "
        "held-out set (%s, grouped by `%s`), the MD/minimisation samples it flagged, and the Spearman rank "
        "correlation between its predicted σ and its actual error on the held-out set (per atom: σ_i vs |ΔF_i|; "
        "per configuration: σ of the energy per atom vs |ΔE| per atom)."
        % ("`%s`" % cfg.heldout if cfg.heldout else "none given", cfg.heldout_group_key),
        "",
        report_table(history),
        "",
    ]
    if has_plot:
        text += ["![errors, flagged fraction and Spearman correlation per iteration](report.png)", ""]
    if status:
        text += ["Status: %s." % status, ""]
    with open(os.path.join(workdir, "report.md.tmp"), "w") as f:
        f.write("\n".join(text))
    os.replace(os.path.join(workdir, "report.md.tmp"), os.path.join(workdir, "report.md"))
