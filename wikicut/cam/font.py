"""The planner's engraving font: the model's (wikicut/model/font.py), which the previews lay
labels out with too, so a preview's label is the engraved one."""

from ..model.font import font_data, text_strokes, text_width

__all__ = ["font_data", "text_strokes", "text_width"]
