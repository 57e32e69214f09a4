"""Checklist: catalog items, templates, evaluations, and the engines that evaluate a visit."""
