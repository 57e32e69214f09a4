from rest_framework.routers import SimpleRouter

from soapify.checklist.views import ChecklistCatalogViewSet, ChecklistEvalViewSet, ChecklistTemplateViewSet

router = SimpleRouter(trailing_slash=True)
router.register("catalog", ChecklistCatalogViewSet, basename="catalog")
router.register("templates", ChecklistTemplateViewSet, basename="template")
router.register("evaluations", ChecklistEvalViewSet, basename="evaluation")

urlpatterns = router.urls
