"""Analytics: product-page component events (impression ... purchase) and the funnel they make."""
