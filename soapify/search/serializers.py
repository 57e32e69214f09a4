from __future__ import annotations

from rest_framework import serializers

from soapify.core.serializers import JobRefSerializer
from soapify.search.models import SearchUnit


class SearchParamsSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=500, trim_whitespace=True)
    encounter_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    content_type = serializers.ChoiceField(choices=SearchUnit.ContentType.choices, required=False)
    date_from = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_to = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])

    def validate(self, attrs):
        if attrs.get("date_from") and attrs.get("date_to") and attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"date_to": ["date_to is before date_from."]})
        return attrs


class EvidenceSpanSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class SearchHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.FloatField()
    content_type = serializers.ChoiceField(choices=SearchUnit.ContentType.choices)
    encounter_id = serializers.IntegerField()
    source_type = serializers.CharField()
    source_id = serializers.CharField()
    date = serializers.DateField()
    language = serializers.CharField()
    snippet = serializers.CharField(help_text="HTML-escaped text; matches wrapped in <mark>…</mark>")
    evidence = EvidenceSpanSerializer(many=True, help_text="transcript character offsets")


class SuggestionParamsSerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, trim_whitespace=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=10)


class SuggestionsSerializer(serializers.Serializer):
    q = serializers.CharField()
    suggestions = serializers.ListField(child=serializers.CharField())


class AnalyticsParamsSerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, min_value=1, max_value=365, default=30)


class QueryCountSerializer(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField()


class LatencySerializer(serializers.Serializer):
    p50_ms = serializers.FloatField(allow_null=True)
    p95_ms = serializers.FloatField(allow_null=True)


class AnalyticsSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    total_queries = serializers.IntegerField()
    zero_result_count = serializers.IntegerField()
    latency = LatencySerializer()
    top_queries = QueryCountSerializer(many=True, required=False, help_text="the caller's own (doctors)")
    zero_result_queries = QueryCountSerializer(many=True, required=False, help_text="the caller's own")
    users = serializers.IntegerField(required=False, help_text="admins: how many users searched")


class ReindexRequestSerializer(serializers.Serializer):
    encounter_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class ReindexResponseSerializer(JobRefSerializer):
    encounter_id = serializers.IntegerField()
