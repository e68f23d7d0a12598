from django.conf import settings


def gigcase(request):
    return {"PUBLIC_HOTLINE": settings.GIGCASE_PUBLIC_HOTLINE}
