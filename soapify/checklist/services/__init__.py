"""Every write and workflow of the checklist app, by concern: ``catalog``, ``templates``,
``evaluation`` (the evaluate job), ``overrides`` (manual evaluations), ``summary``, and ``access``
(who may change content). The names the views, tasks and other apps use are re-exported here.

Error codes raised here (all in the one error shape):
* ``forbidden`` 403 – a doctor writing a global item or template;
* ``not_found`` / ``encounter_not_found`` / ``template_not_found`` / ``catalog_item_not_found`` 404
  – the object does not exist or is out of the caller's scope;
* ``encounter_finalized`` 409 – writing an evaluation of (or evaluating) a finalized encounter:
  its note is frozen, so its checklist is read-only like the rest of the encounter;
* ``no_transcript`` 409 – the encounter has no transcript to evaluate;
* ``no_template`` 409 – no template given and no default template exists;
* ``empty_template`` 409 – the template has no active item;
* ``already_evaluated`` 409 – an evaluation of that item already exists for the encounter;
* ``item_in_use`` 409 – deleting a catalog item that evaluations reference (it is deactivated
  instead; see ``catalog_delete``).
"""

from soapify.checklist.services.access import check_writable
from soapify.checklist.services.catalog import DeleteOutcome, catalog_create, catalog_delete, catalog_update
from soapify.checklist.services.evaluation import (
    EVALUATE_JOB_KIND,
    checklist_engines,
    checklist_evaluate_encounter,
    checklist_evaluate_start,
    evaluation_job_of,
    item_spec_of,
)
from soapify.checklist.services.overrides import (
    evaluation_create,
    evaluation_delete,
    evaluation_set_manual,
    evaluation_update,
)
from soapify.checklist.services.summary import checklist_summary, summarize
from soapify.checklist.services.templates import (
    template_active_items,
    template_create,
    template_delete,
    template_resolve,
    template_update,
)

__all__ = [
    "EVALUATE_JOB_KIND",
    "DeleteOutcome",
    "catalog_create",
    "catalog_delete",
    "catalog_update",
    "check_writable",
    "checklist_engines",
    "checklist_evaluate_encounter",
    "checklist_evaluate_start",
    "evaluation_job_of",
    "checklist_summary",
    "evaluation_create",
    "evaluation_delete",
    "evaluation_set_manual",
    "evaluation_update",
    "item_spec_of",
    "summarize",
    "template_active_items",
    "template_create",
    "template_delete",
    "template_resolve",
    "template_update",
]
