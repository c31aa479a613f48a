"""Catalog look-alikes: local servers that speak each catalog's REST API, for the demo, tests and bench.

A tool beside the product: nothing here imports Plumbline, and Plumbline never imports this.
"""
