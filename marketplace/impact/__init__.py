"""Impact: computed indicators, the funnel, dashboards and the booth QR codes."""
