# find_package(Monocell): build apps for monocell against an installed SDK (sdk/CMakeLists.txt).
#
#   monocell_add_image(NAME SOURCES...)
#     NAME          a guest image ELF, for `monocell image build` and --hypervisor kvm or xen
#     NAME-process  the same app as a host executable, for `image build --process-elf` and
#                   --hypervisor process
# The app's sources include <monocell/app.h> and register the app (see that header).
get_filename_component(MONOCELL_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(MONOCELL_INCLUDE_DIR "${MONOCELL_PREFIX}/include")
set(_monocell_lib "${MONOCELL_PREFIX}/lib/monocell")
foreach(_monocell_file guest/libmonocell_libos.a guest/libmonocell_init.a guest/libmonocell_runtime.a
        guest/libmonocell_protocol.a process/libmonocell_init.a process/libmonocell_runtime.a
        process/libmonocell_protocol.a)
  if(NOT EXISTS "${_monocell_lib}/${_monocell_file}")
    set(Monocell_FOUND FALSE)
    set(Monocell_NOT_FOUND_MESSAGE "${_monocell_lib}/${_monocell_file} is missing: install the whole SDK (make install)")
    return()
  endif()
endforeach()
# Guest images are static ELFs: protobuf-lite's archive, not its shared library.
find_library(MONOCELL_PROTOBUF_LITE_ARCHIVE libprotobuf-lite.a)
if(NOT MONOCELL_PROTOBUF_LITE_ARCHIVE)
  set(Monocell_FOUND FALSE)
  set(Monocell_NOT_FOUND_MESSAGE "libprotobuf-lite.a is missing (Debian: libprotobuf-dev)")
  return()
endif()
find_package(Threads REQUIRED)

function(monocell_add_image name)
  if(NOT ARGN)
    message(FATAL_ERROR "monocell_add_image(${name}): no sources given")
  endif()
  # From this file's place, not the caller's variables: any directory of the project may call it.
  get_filename_component(_monocell_prefix "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/../../.." ABSOLUTE)
  set(_monocell_lib "${_monocell_prefix}/lib/monocell")
  set(MONOCELL_INCLUDE_DIR "${_monocell_prefix}/include")
  # The guest image: static, not PIE, the libOS and the init taken whole.
  add_executable(${name} ${ARGN})
  target_include_directories(${name} PRIVATE "${MONOCELL_INCLUDE_DIR}")
  target_compile_features(${name} PRIVATE cxx_std_20)
  # A section per function and per datum, dropped when nothing reaches it: a smaller image.
  target_compile_options(${name} PRIVATE -fno-pie -ffunction-sections -fdata-sections)
  target_link_options(${name} PRIVATE -static -no-pie -Wl,--gc-sections)
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
  target_link_libraries(${name} PRIVATE
    -Wl,--whole-archive "${_monocell_lib}/guest/libmonocell_init.a" "${_monocell_lib}/guest/libmonocell_libos.a"
    -Wl,--no-whole-archive
    "${_monocell_lib}/guest/libmonocell_runtime.a" "${_monocell_lib}/guest/libmonocell_protocol.a"
    "${MONOCELL_PROTOBUF_LITE_ARCHIVE}")
  # The same app as a host process.
  add_executable(${name}-process ${ARGN})
  target_include_directories(${name}-process PRIVATE "${MONOCELL_INCLUDE_DIR}")
  target_compile_features(${name}-process PRIVATE cxx_std_20)
  target_link_libraries(${name}-process PRIVATE
    -Wl,--whole-archive "${_monocell_lib}/process/libmonocell_init.a" -Wl,--no-whole-archive
    "${_monocell_lib}/process/libmonocell_runtime.a" "${_monocell_lib}/process/libmonocell_protocol.a"
    "${MONOCELL_PROTOBUF_LITE_ARCHIVE}" Threads::Threads)
endfunction()
