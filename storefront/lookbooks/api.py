from litestar import Controller


class LookbookController(Controller):
    path = "/v1/lookbooks"
