"""Keep old module paths importable: `moved_modules` maps them to their new homes."""
