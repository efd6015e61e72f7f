# The sample apps, each registered with the runtime (guest-libos/runtime/app.h). Included by
# every configuration that builds apps: monocell_app() decides what an app becomes there.
monocell_app(hello ${CMAKE_CURRENT_LIST_DIR}/hello/hello.cc)
monocell_app(echo ${CMAKE_CURRENT_LIST_DIR}/echo/echo.cc)

# `make install` ships them where an installed monocell finds them (orchestrator/app_resolver.cc):
# images in PREFIX/lib/monocell/images, process executables in PREFIX/lib/monocell/apps.
foreach(app hello echo)
  if(MONOCELL_GUEST)
    install(PROGRAMS $<TARGET_FILE:app-${app}> DESTINATION lib/monocell/images)
  else()
    install(TARGETS app-${app} RUNTIME DESTINATION lib/monocell/apps)
  endif()
endforeach()
