from django import forms
from django.contrib import admin

from soapify.analytics.alert_metrics import METRICS
from soapify.analytics.models import Alert, AlertRule


class AlertRuleForm(forms.ModelForm):
    metric = forms.ChoiceField(
        choices=[(name, f"{name}: {text}") for name, (text, _) in sorted(METRICS.items())]
    )

    class Meta:
        model = AlertRule
        fields = [
            "name",
            "metric",
            "comparison",
            "threshold",
            "window_minutes",
            "min_samples",
            "severity",
            "is_active",
        ]


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    form = AlertRuleForm
    list_display = ["name", "metric", "comparison", "threshold", "window_minutes", "min_samples", "severity",
                    "is_active"]  # fmt: skip
    list_filter = ["is_active", "severity", "metric"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "rule",
        "status",
        "value",
        "last_value",
        "opened_at",
        "acknowledged_by",
        "resolved_at",
    ]
    list_filter = ["status"]
    readonly_fields = ["rule", "value", "last_value", "opened_at", "last_evaluated_at", "acknowledged_at",
                       "acknowledged_by", "resolved_at"]  # fmt: skip
