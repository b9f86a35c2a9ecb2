"""`hubsim dashboard`: Mesa's SolaraViz over HubModel, with the unmodified run beside it.

Needs the `dashboard` extra (`pip install -e '.[dashboard]'`); `app.py` holds the page.
"""
