from litestar import Controller


class LocationController(Controller):
    path = "/v1/locations"


class StockController(Controller):
    path = "/v1/stock"
