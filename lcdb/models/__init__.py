"""The LightcurveDB data model (SQLAlchemy 2 typed ORM), one module per aggregate."""

from lcdb.models.base import SCHEMA, Base
from lcdb.models.dataset import DataSet, DataSetHierarchy, PhotometricSource, ProcessingMethod
from lcdb.models.frame import FITSFrame
from lcdb.models.ingest_log import IngestedFile
from lcdb.models.instrument import Instrument
from lcdb.models.mission import Mission, MissionCatalog, Target
from lcdb.models.observation import Observation, TargetSpecificTime
from lcdb.models.quality import QualityFlagArray
from lcdb.models.uws_job import UWSJob

__all__ = [
    "SCHEMA",
    "Base",
    "DataSet",
    "DataSetHierarchy",
    "FITSFrame",
    "IngestedFile",
    "Instrument",
    "Mission",
    "MissionCatalog",
    "Observation",
    "PhotometricSource",
    "ProcessingMethod",
    "QualityFlagArray",
    "Target",
    "TargetSpecificTime",
    "UWSJob",
]
