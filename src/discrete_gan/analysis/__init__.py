"""From finished runs to tables: aggregates, claims, metrics and evaluation, the paper-units
comparison, the length check, reports, verification and provenance."""
