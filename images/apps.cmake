# The sample apps, each registered with the runtime (guest-libos/runtime/app.h). Included by
# every configuration that builds apps: monocell_app() decides what an app becomes there.
monocell_app(hello ${CMAKE_CURRENT_LIST_DIR}/hello/hello.cc)
monocell_app(echo ${CMAKE_CURRENT_LIST_DIR}/echo/echo.cc)
