#pragma once
// The LIDC-IDRI readers' XML (LidcReadMessage), parsed with pugixml.
#include <string>
#include <vector>

#include "imaging/polygon.h"

namespace due {

struct LidcRoi {
  double z_position = 0;   // imageZposition (mm)
  std::string sop_uid;     // imageSOP_UID
  bool inclusion = true;   // false: a hole cut out of the nodule
  std::vector<PixelPoint> contour;
};

struct LidcNodule {
  std::string id;
  std::vector<LidcRoi> rois;
  // Nodules under 3 mm are marked with a single point per slice: recorded, not used as lesions.
  bool is_small() const;
};

struct LidcNonNodule {
  std::string id;
  double z_position = 0;
  std::string sop_uid;
  PixelPoint locus;
};

struct LidcReadingSession {
  std::string reader_id;  // servicingRadiologistID
  std::vector<LidcNodule> nodules;
  std::vector<LidcNonNodule> non_nodules;
};

struct LidcReadMessage {
  std::string path;
  std::string series_uid;
  std::string study_uid;
  std::vector<LidcReadingSession> sessions;
};

// Throws InputError naming the file when it does not parse or is not a LIDC read message.
LidcReadMessage parse_lidc_xml(const std::string& path);

}  // namespace due
