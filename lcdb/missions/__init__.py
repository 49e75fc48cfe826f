"""Mission extensions of the base model; importing a module registers its subclasses."""
