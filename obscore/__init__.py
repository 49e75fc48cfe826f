"""ObsCore 1.1: the data model and its materialization from the lcdb tables."""
