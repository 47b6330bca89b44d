# Operations checks (docs/operations.md): the systemd unit and the Debian package.
# Included from tests/CMakeLists.txt.
find_program(SYSTEMD_ANALYZE systemd-analyze)
if(TARGET slawatch AND SYSTEMD_ANALYZE)
  set(unit_check ${CMAKE_CURRENT_LIST_DIR}/check_unit.sh)
  set(unit ${CMAKE_SOURCE_DIR}/systemd/slawatch.service)
  add_test(NAME "systemd: systemd-analyze verify prints nothing"
           COMMAND ${unit_check} verify $<TARGET_FILE:slawatch> ${unit} ${CMAKE_BINARY_DIR}/systemd-verify)
  add_test(NAME "systemd: systemd-analyze security exposure at most 2.0"
           COMMAND ${unit_check} security $<TARGET_FILE:slawatch> ${unit} ${CMAKE_BINARY_DIR}/systemd-security)
elseif(TARGET slawatch)
  message(WARNING "systemd-analyze not found (apt install systemd): systemd unit checks skipped")
endif()

# Needs node + npm (scripts/deps.sh) and, on the first run only, the npm registry: the pinned
# tools are cached in ~/.cache/slawatch-npm. No node or no registry is a failure, not a skip.
add_test(NAME "grafana: dashboards validate against the @grafana/schema Dashboard type"
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/grafana_schema.sh ${CMAKE_SOURCE_DIR})
set_tests_properties("grafana: dashboards validate against the @grafana/schema Dashboard type"
                     PROPERTIES TIMEOUT 400)

find_program(DPKG_DEB dpkg-deb)
if(TARGET slawatch AND DPKG_DEB)
  add_test(NAME "packaging: deb" COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/test_package.py
           --build ${CMAKE_BINARY_DIR} --source ${CMAKE_SOURCE_DIR})
  set_tests_properties("packaging: deb" PROPERTIES TIMEOUT 600)
endif()
