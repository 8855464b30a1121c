#include "data/lidc_xml.h"

#include <cstdlib>

#include <pugixml.hpp>

#include "util/errors.h"

namespace due {
namespace {

std::string text_of(const pugi::xml_node& node, const char* child) {
  std::string text = node.child(child).text().as_string();
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

double number_of(const pugi::xml_node& node, const char* child, const std::string& path) {
  const std::string text = text_of(node, child);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') throw InputError(path + ": <" + child + "> is not a number: '" + text + "'");
  return value;
}

}  // namespace

bool LidcNodule::is_small() const {
  for (const LidcRoi& roi : rois)
    if (roi.contour.size() > 1) return false;
  return true;
}

LidcReadMessage parse_lidc_xml(const std::string& path) {
  pugi::xml_document document;
  const pugi::xml_parse_result parsed = document.load_file(path.c_str());
  if (!parsed)
    throw InputError(path + ": XML does not parse (" + parsed.description() + " at byte " +
                     std::to_string(parsed.offset) + ")");
  const pugi::xml_node root = document.child("LidcReadMessage");
  if (!root) throw InputError(path + ": not a LIDC read message (no <LidcReadMessage>)");
  LidcReadMessage message;
  message.path = path;
  message.series_uid = text_of(root.child("ResponseHeader"), "SeriesInstanceUid");
  message.study_uid = text_of(root.child("ResponseHeader"), "StudyInstanceUID");
  for (const pugi::xml_node& session_node : root.children("readingSession")) {
    LidcReadingSession session;
    session.reader_id = text_of(session_node, "servicingRadiologistID");
    for (const pugi::xml_node& nodule_node : session_node.children("unblindedReadNodule")) {
      LidcNodule nodule;
      nodule.id = text_of(nodule_node, "noduleID");
      for (const pugi::xml_node& roi_node : nodule_node.children("roi")) {
        LidcRoi roi;
        roi.z_position = number_of(roi_node, "imageZposition", path);
        roi.sop_uid = text_of(roi_node, "imageSOP_UID");
        roi.inclusion = text_of(roi_node, "inclusion") != "FALSE";
        for (const pugi::xml_node& edge : roi_node.children("edgeMap")) {
          roi.contour.push_back(PixelPoint{static_cast<int>(number_of(edge, "xCoord", path)),
                                           static_cast<int>(number_of(edge, "yCoord", path))});
        }
        if (!roi.contour.empty()) nodule.rois.push_back(std::move(roi));
      }
      if (!nodule.rois.empty()) session.nodules.push_back(std::move(nodule));
    }
    for (const pugi::xml_node& non_node : session_node.children("nonNodule")) {
      LidcNonNodule non_nodule;
      non_nodule.id = text_of(non_node, "nonNoduleID");
      non_nodule.z_position = number_of(non_node, "imageZposition", path);
      non_nodule.sop_uid = text_of(non_node, "imageSOP_UID");
      const pugi::xml_node locus = non_node.child("locus");
      non_nodule.locus = PixelPoint{static_cast<int>(number_of(locus, "xCoord", path)),
                                    static_cast<int>(number_of(locus, "yCoord", path))};
      session.non_nodules.push_back(std::move(non_nodule));
    }
    message.sessions.push_back(std::move(session));
  }
  return message;
}

}  // namespace due
