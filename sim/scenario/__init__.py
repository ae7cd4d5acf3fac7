"""What a study is: the typed scenario, its rule parameters, files and changes.

Examples
--------
>>> from sim.scenario import load_scenario_text
>>> load_scenario_text("[brand]\\nbudget = 20000").brand.budget
20000.0
"""

from sim.scenario.files import (default_scenario, default_toml, fingerprint, get_field, json_schema,
                                load_scenario, load_scenario_text, parse_assignment, parse_toml, read_toml,
                                resolve, scenario_dict, scenario_json, scenario_toml, with_fields)
from sim.scenario.models import NICHES, Brand, Campaign, Graph, Influencers, Population, Product, Run, Scenario, Strategy
from sim.scenario.parameters import Parameters

__all__ = ["Brand", "Campaign", "Graph", "Influencers", "NICHES", "Parameters", "Population", "Product", "Run",
           "Scenario", "Strategy", "default_scenario", "default_toml", "fingerprint", "get_field", "json_schema",
           "load_scenario", "load_scenario_text", "parse_assignment", "parse_toml", "read_toml", "resolve",
           "scenario_dict", "scenario_json", "scenario_toml", "with_fields"]
