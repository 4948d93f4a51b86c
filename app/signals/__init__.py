"""Signals for selecting and ranking code: known vulnerabilities, application domains
and importance. Each derives from stored evidence (payloads, manifests, scans) and
says where it came from; ``app.signals.service.refresh`` recomputes all three."""
