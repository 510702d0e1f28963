from core.apps import ProjectAppConfig


class TestimoniesConfig(ProjectAppConfig):
    name = "testimonies"
