"""JSON shapes of monitoring results, the fit and the uncertainty bands (issue 16)."""

from __future__ import annotations

from emergency.incidents.package import ResponsePackage
from emergency.web.clock import iso


def observation_dict(o) -> dict:
    return {"id": o.id, "site_id": o.site_id, "name_zh": o.name_zh, "lon": o.lon, "lat": o.lat,
            "km": o.km, "observed_at": iso(o.observed_at),
            "concentration_mg_l": o.concentration_mg_l, "front_detected": o.front_detected,
            "not_detected": bool(o.not_detected),
            "detection_limit_mg_l": o.detection_limit_mg_l, "parameter": o.parameter,
            "source": o.source, "doubts": list(o.doubts or []), "confirmed_by": o.confirmed_by,
            "void": o.voided_at is not None, "voided_at": iso(o.voided_at),
            "voided_by": o.voided_by, "void_reason": o.void_reason,
            "note": o.note, "recorded_by": o.recorded_by}


def _sig(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")


def band_fields(i) -> dict:
    """The ensemble's P5/P95 of a downstream item and P(peak > limit)."""
    return {"front_at_p05": iso(i.front_at_p05), "front_at_p95": iso(i.front_at_p95),
            "peak_at_p05": iso(i.peak_at_p05), "peak_at_p95": iso(i.peak_at_p95),
            "peak_mg_l_p05": _sig(i.peak_mg_l_p05), "peak_mg_l_p95": _sig(i.peak_mg_l_p95),
            "p_exceed": i.p_exceed}


def fit_dict(pkg: ResponsePackage) -> dict:
    """How the forecast was fitted: "fitted to N observations", the reach factors, residuals."""
    if pkg.fitted is None:
        return {"n_observations": 0, "members": pkg.members, "sites": [], "residuals": [],
                "mass_factor": 1.0, "dispersion_factor": 1.0, "dispersion_fitted": False}
    fit, f = pkg.fitted.fit, pkg.fitted
    start = pkg.incident.occurred_at
    from datetime import timedelta

    def at(seconds) -> str | None:
        return iso(start + timedelta(seconds=float(seconds)))

    residuals = []
    for k, s in enumerate(f.samples):
        fitted_c = f.fitted_at_samples
        residuals.append({
            "observation_id": s.ref, "km": round(s.offset_m / 1000, 2), "observed_at": at(s.t_s),
            "front": s.front, "not_detected": s.not_detected,
            "observed_mg_l": None if s.not_detected else _sig(s.conc_mg_l),
            "fitted_front_at": at(fitted_c.front_s[k]), "fitted_peak_at": at(fitted_c.peak_s[k]),
            "fitted_peak_mg_l": _sig(float(fitted_c.peak_mg_l[k])),
            "model_front_at": at(f.model_at_samples.front_s[k]),
            "model_peak_mg_l": _sig(float(f.model_at_samples.peak_mg_l[k]))})
    return {
        "n_observations": fit.n_used, "members": pkg.members,
        "mass_factor": round(fit.mass_factor, 3),
        "dispersion_factor": round(fit.dispersion_factor, 3),
        "dispersion_fitted": fit.dispersion_fitted,
        "timing_sigma_ln": round(fit.timing_sigma_ln, 3),
        "sites": [{"km": round(s.offset_m / 1000, 2), "n": s.n, "reach_factor": s.reach_factor,
                   "time_factor": s.time_factor,
                   "front_residual_h": None if s.front_residual_s is None
                   else round(s.front_residual_s / 3600, 2),
                   "conc_ratio": None if s.conc_ratio is None else round(s.conc_ratio, 3),
                   "observation_ids": [r for r in s.refs if r is not None]}
                  for s in fit.sites],
        "residuals": residuals,
    }
