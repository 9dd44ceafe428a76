"""Helpers for the customer segmentation warehouse: demo data, clustering, value models, tools."""
