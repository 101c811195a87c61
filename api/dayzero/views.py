from rest_framework.response import Response

from api.dayzero import presenters, serializers
from api.dayzero.base import DayZeroView
from api.dayzero.pagination import CursorQuery, paginate
from tenants import selectors, services


class AccountsView(DayZeroView):
    def get(self, request):
        page = paginate(selectors.account_list(ctx=self.tenant), self.query(CursorQuery))
        return Response(page.as_dict(presenters.account))

    def post(self, request):
        data = self.body(serializers.AccountIn)
        account = services.account_create(ctx=self.tenant, **data)
        return Response(presenters.account(account), status=201)


class AccountView(DayZeroView):
    def get(self, request, account_id):
        return Response(presenters.account(selectors.account_get(ctx=self.tenant, account_id=account_id)))
