// gmime_ptr.hpp - owning pointers and checked casts for GMime's GObjects and GLib strings,
// shared by the files that talk to GMime. GObject casts use the type functions, not the C
// macros (those are old-style casts). Internal to core/mail.
#pragma once

#include <gmime/gmime.h>

#include <memory>

namespace deskgate {

struct GObjectUnref {
    void operator()(gpointer p) const {
        if (p) g_object_unref(p);
    }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
    void operator()(gpointer p) const { g_free(p); }
};
using GString_ = std::unique_ptr<char, GFree>;

inline bool is_a(gpointer object, GType type) {
    return object && g_type_check_instance_is_a(static_cast<GTypeInstance*>(object), type);
}
template <typename T>
T* as(gpointer object) {
    return static_cast<T*>(object);
}

}  // namespace deskgate
