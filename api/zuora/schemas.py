"""Zuora v1 CRUD in OpenAPI: what the presenters return, Zuora's error envelopes and headers.

These serializers only describe; api/zuora/presenters.py produces the bodies.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, PolymorphicProxySerializer
from rest_framework import serializers

from api.openapi import HEADER, DialectSchema
from api.zuora.presenters import INVOICE_STATUS, PAYMENT_STATUS

# Ids as Zuora writes them (presenters.zid); the dashed UUID form is accepted too.
ZUORA_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}


def object_id(**kwargs) -> serializers.RegexField:
    return serializers.RegexField(ZUORA_ID["pattern"], **kwargs)


def amount(**kwargs) -> serializers.DecimalField:
    # A JSON number written digit for digit from the ledger's Decimal.
    return serializers.DecimalField(max_digits=30, decimal_places=9, coerce_to_string=False, **kwargs)


class Created(serializers.Serializer):
    Success = serializers.BooleanField(help_text="Always true.")
    Id = object_id()


class Contact(serializers.Serializer):
    WorkEmail = serializers.CharField(allow_null=True)


class Account(serializers.Serializer):
    Id = object_id()
    Name = serializers.CharField()
    Currency = serializers.CharField()
    Status = serializers.ChoiceField(choices=["Active"])
    BillToContact = Contact()
    CreatedDate = serializers.DateTimeField()
    UpdatedDate = serializers.DateTimeField()


class Invoice(serializers.Serializer):
    Id = object_id()
    AccountId = object_id()
    InvoiceNumber = serializers.CharField()
    Amount = amount()
    Balance = amount()
    PaymentAmount = amount()
    RefundAmount = amount()
    Status = serializers.ChoiceField(choices=sorted(set(INVOICE_STATUS.values())))
    InvoiceDate = serializers.DateField(allow_null=True)
    DueDate = serializers.DateField(allow_null=True)
    CreatedDate = serializers.DateTimeField()
    UpdatedDate = serializers.DateTimeField()


class Payment(serializers.Serializer):
    Id = object_id()
    AccountId = object_id(allow_null=True, help_text="Null for money received without an account.")
    Amount = amount()
    AppliedInvoiceAmount = amount()
    UnappliedAmount = amount()
    RefundAmount = amount()
    Status = serializers.ChoiceField(choices=sorted(PAYMENT_STATUS.values()))
    EffectiveDate = serializers.DateField()
    Type = serializers.ChoiceField(choices=["External"])
    ReferenceId = serializers.CharField(allow_null=True)
    PaymentMethodId = serializers.CharField(allow_null=True)
    Comment = serializers.CharField(allow_null=True)
    CreatedDate = serializers.DateTimeField()
    UpdatedDate = serializers.DateTimeField()


class InvoicePayment(serializers.Serializer):
    Id = object_id()
    InvoiceId = object_id()
    PaymentId = object_id()
    Amount = amount()
    RefundAmount = amount()
    CreatedById = object_id(help_text="The API client or staff user that created it (presenters.actor_id).")
    CreatedDate = serializers.DateTimeField()
    UpdatedById = object_id(help_text="The API client or staff user that changed it last.")
    UpdatedDate = serializers.DateTimeField()


class RefundInvoicePayment(serializers.Serializer):
    InvoiceId = object_id()
    RefundAmount = amount()


class RefundInvoicePaymentData(serializers.Serializer):
    RefundInvoicePayment = RefundInvoicePayment(many=True)


class Refund(serializers.Serializer):
    Id = object_id()
    PaymentId = object_id()
    AccountId = object_id(allow_null=True)
    Amount = amount()
    Type = serializers.ChoiceField(choices=["External"])
    Status = serializers.ChoiceField(choices=["Processed"])
    RefundDate = serializers.DateField()
    Comment = serializers.CharField(allow_null=True)
    RefundInvoicePaymentData = RefundInvoicePaymentData()
    CreatedById = object_id(help_text="The API client or staff user that created it (presenters.actor_id).")
    CreatedDate = serializers.DateTimeField()
    UpdatedDate = serializers.DateTimeField()


class ErrorItem(serializers.Serializer):
    Code = serializers.CharField(help_text="INVALID_VALUE, INVALID_ID, MISSING_REQUIRED_VALUE, ...")
    Message = serializers.CharField()


class Error(serializers.Serializer):
    Success = serializers.BooleanField(help_text="Always false.")
    Errors = ErrorItem(many=True)


class Message(serializers.Serializer):
    """401 `Authentication error`, and the 400 of rejectUnknownFields=true."""

    message = serializers.CharField()


BAD_REQUEST = PolymorphicProxySerializer(
    component_name="ZuoraBadRequest", serializers=[Error, Message], resource_type_field_name=None
)


class Forbidden(serializers.Serializer):
    """The SDK's CommonErrorResponse."""

    code = serializers.IntegerField(help_text="50000010: permission or access denied.")
    message = serializers.CharField()


class NoData(serializers.Serializer):
    """The object named by the URL is not there (the SDK's ProxyNoDataResponse)."""

    done = serializers.BooleanField(help_text="Always true.")
    records = serializers.ListField(child=serializers.DictField(), max_length=0)
    size = serializers.IntegerField(help_text="Always 0.")


# A missing object, or a path that is none of the routes (the Errors envelope).
NOT_FOUND = PolymorphicProxySerializer(
    component_name="ZuoraNotFound", serializers=[NoData, Error], resource_type_field_name=None
)

TRACK_ID_SCHEMA = {
    "type": "string",
    "maxLength": 64,
    # Printable US-ASCII without : ; " or ' (the middleware's rule, valid_track_id).
    "pattern": "^[ !#-&(-9<-~]*$",
}

# Request examples (seed 000's ids); they are also where the fuzzer starts from.
ACCOUNT_EXAMPLE = OpenApiExample(
    "Account",
    {"Name": "Globex", "Currency": "EUR", "BillToContact": {"WorkEmail": "ap@globex.test"}},
    request_only=True,
)
PAYMENT_EXAMPLE = OpenApiExample(
    "External payment",
    {
        "AccountId": "2c93808457d787030157e02de5fc1b57",
        "Amount": 800,
        "EffectiveDate": "2026-01-20",
        "Type": "External",
        "ReferenceId": "wire-77",
    },
    request_only=True,
)
INVOICE_PAYMENT_EXAMPLE = OpenApiExample(
    "Invoice payment",
    {
        "Amount": 10,
        "InvoiceId": "2c93808457d787030157e02deadb1b6d",
        "PaymentId": "2c93808457d787030157e02de5fc1b57",
    },
    request_only=True,
)
AMOUNT_EXAMPLE = OpenApiExample("New amount", {"Amount": 10.1}, request_only=True)
REFUND_EXAMPLE = OpenApiExample(
    "Refund",
    {
        "PaymentId": "2c93808457d787030157e02de5fc1b57",
        "Amount": 5,
        "Type": "External",
        "RefundInvoicePaymentData": {
            "RefundInvoicePayment": [{"InvoiceId": "2c93808457d787030157e02deadb1b6d", "RefundAmount": 5}]
        },
    },
    request_only=True,
)

REJECT_UNKNOWN_FIELDS = OpenApiParameter(
    "rejectUnknownFields",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    default=False,
    description="true: a body field the operation does not know is a 400 `Error - unrecognised fields`.",
)


class ZuoraSchema(DialectSchema):
    tag = "Zuora"
    path_type = ZUORA_ID
    headers = (
        OpenApiParameter(
            "Zuora-Entity-Ids",
            ZUORA_ID,
            HEADER,
            description="An entity of the credential: narrows the request to it. Required when the "
            "credential holds several entities.",
        ),
        OpenApiParameter("Zuora-Track-Id", TRACK_ID_SCHEMA, HEADER, description="Echoed on the response."),
        OpenApiParameter("Zuora-Track-Id", TRACK_ID_SCHEMA, HEADER, response=True),
        OpenApiParameter(
            "Zuora-Request-Id",
            OpenApiTypes.UUID,
            HEADER,
            response=True,
            required=True,
            description="The request's id: x-request-id's value.",
        ),
    )
    error = Error
    errors = {400: BAD_REQUEST, 401: Message, 403: Forbidden, 404: NOT_FOUND}

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method in ("POST", "PUT"):
            parameters.append(REJECT_UNKNOWN_FIELDS)
        return parameters


def _token_response(description: str, schema: dict, headers: dict | None = None) -> dict:
    return {
        "description": description,
        "headers": {
            "x-request-id": {"schema": {"type": "string", "format": "uuid"}, "required": True},
            "Zuora-Request-Id": {"schema": {"type": "string", "format": "uuid"}, "required": True},
            **(headers or {}),
        },
        "content": {"application/json": {"schema": schema}},
    }


_OAUTH_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    "required": ["error"],
}
TOKEN_OPERATION = {
    "operationId": "zuora_oauth_token",
    "summary": "Create an OAuth token (client credentials)",
    "tags": ["Zuora"],
    # The client's credentials come in the form or as HTTP Basic.
    "security": [{}, {"basicAuth": []}],
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"},
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "scope": {
                            "type": "string",
                            "description": "Space-separated; the client's own by default.",
                        },
                    },
                    "required": ["grant_type"],
                }
            }
        },
    },
    "responses": {
        "200": _token_response(
            "A bearer token",
            {
                "type": "object",
                "properties": {
                    "access_token": {"type": "string"},
                    "token_type": {"type": "string", "enum": ["bearer"]},
                    "expires_in": {"type": "integer"},
                    "scope": {"type": "string"},
                    "jti": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                },
                "required": ["access_token", "token_type", "expires_in", "scope", "jti"],
            },
        ),
        "400": _token_response("An invalid request, grant type or scope", _OAUTH_ERROR),
        "401": _token_response(
            "Unknown client or wrong secret",
            {**_OAUTH_ERROR, "properties": {**_OAUTH_ERROR["properties"], "message": {"type": "string"}}},
        ),
        "429": _token_response(
            "Too many token requests from this address",
            _OAUTH_ERROR,
            {"Retry-After": {"schema": {"type": "integer"}, "required": True}},
        ),
    },
}


def token_endpoint(result, generator, request, public):
    """drf-spectacular postprocessing hook: POST /oauth/token is django-oauth-toolkit's view (api/oauth.py),
    not a DRF one, so it is described here."""
    result["paths"]["/oauth/token"] = {"post": TOKEN_OPERATION}
    return result
