// slawatch: argument hand-off only; everything else lives in the app module.
#include <string>
#include <vector>
#include "slawatch/app/app.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return slawatch::app::run(args);
}
