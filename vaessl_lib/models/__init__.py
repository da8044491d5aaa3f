"""Networks and models of the book; see each module's docstring for its chapter."""

from .base import Batch, Classifies, TrainState, as_images
from .classifiers import CLASSIFIERS, CNNClassifier, ClassifierSpec, LinearClassifier, MLPClassifier, build_classifier
from .cvae import Decoder, Encoder
from .m2 import M2, NOTES_CONFIG, M2Config, paper_weights
from .supervised import SupervisedClassifier, SupervisedConfig

__all__ = [
    "Batch", "Classifies", "TrainState", "as_images", "CLASSIFIERS", "CNNClassifier", "ClassifierSpec",
    "LinearClassifier", "MLPClassifier", "build_classifier", "Decoder", "Encoder", "M2", "M2Config",
    "NOTES_CONFIG", "paper_weights", "SupervisedClassifier", "SupervisedConfig",
]
