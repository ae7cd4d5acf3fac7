"""The model's rules: small documented functions (trust, funnel, word of mouth, economics, forecasts)."""
