from rest_framework import serializers

from api.dayzero import fields


class AccountIn(serializers.Serializer):
    name = fields.StrictCharField(max_length=200)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    currency = fields.CurrencyField()
