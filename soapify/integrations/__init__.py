"""Integrations with outside services: SMS delivery (and, elsewhere, the patient directory)."""
