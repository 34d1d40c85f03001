//! The catalogue: one row per string, `key: "English" => "Arabic"`, and
//! counted phrases as `key: Forms(English) => Forms(Arabic)`. `{0}`, `{1}`
//! are filled by `i18n::fill`.

use super::Forms;

macro_rules! catalogue {
    (
        texts { $( $(#[$doc:meta])* $key:ident : $en:literal => $ar:literal, )* }
        counts { $( $(#[$cdoc:meta])* $ckey:ident : $cen:expr => $car:expr, )* }
    ) => {
        #[derive(Debug)]
        pub struct Strings {
            /// BCP 47 tag and writing direction of this table.
            pub lang: &'static str,
            pub rtl: bool,
            $( $(#[$doc])* pub $key: &'static str, )*
            $( $(#[$cdoc])* pub $ckey: Forms, )*
        }

        pub const EN: Strings = Strings { lang: "en", rtl: false, $( $key: $en, )* $( $ckey: $cen, )* };
        pub const AR: Strings = Strings { lang: "ar", rtl: true, $( $key: $ar, )* $( $ckey: $car, )* };

        impl Strings {
            /// Every plain string with its key, for the completeness test.
            pub fn texts(&self) -> Vec<(&'static str, &'static str)> {
                vec![$( (stringify!($key), self.$key), )*]
            }
        }
    };
}

/// Arabic forms: zero, one, two, few (3–10), many (11–99), other (100+).
const fn ar(
    zero: &'static str,
    one: &'static str,
    two: &'static str,
    few: &'static str,
    many: &'static str,
    other: &'static str,
) -> Forms {
    Forms {
        zero,
        one,
        two,
        few,
        many,
        other,
    }
}

catalogue! {
    texts {
        // The shell
        app_title: "Baton Inbox" => "صندوق Baton",
        just_now: "just now" => "الآن",
        loading: "Loading…" => "جارٍ التحميل…",
        server_unreachable: "Could not reach the server. Check your connection and try again." => "تعذّر الوصول إلى الخادم. تحقّق من اتصالك وحاول مرة أخرى.",
        session_ended: "Your session ended. Sign in again to continue." => "انتهت جلستك. سجّل الدخول مرة أخرى للمتابعة.",
        not_connected: "Not connected. Try again in a moment." => "غير متصل. حاول مرة أخرى بعد لحظة.",
        reconnecting_banner: "Reconnecting…" => "جارٍ إعادة الاتصال…",
        conversation: "Conversation" => "المحادثة",
        select_conversation: "Select a conversation to start chatting" => "اختر محادثة لبدء الدردشة",
        select_hint: "Visitors who ask for a person wait in the Waiting view, oldest first." => "الزوار الذين يطلبون شخصًا ينتظرون في قائمة «بانتظار الرد»، الأقدم أولًا.",
        language: "Language" => "اللغة",
        // Sign in
        brand: "Baton" => "Baton",
        welcome_back: "Welcome back" => "مرحبًا بعودتك",
        signin_subtitle: "Operator inbox: pick up chats when visitors ask for a person." => "صندوق الموظفين: تولَّ المحادثات عندما يطلب الزوار التحدث إلى شخص.",
        email: "Email" => "البريد الإلكتروني",
        password: "Password" => "كلمة المرور",
        sign_in: "Sign in" => "تسجيل الدخول",
        // Header
        you_suffix: " (you)" => " (أنت)",
        inbox_open_title: "Inbox open" => "الصندوق مفتوح",
        inbox_closed_title: "Inbox closed" => "الصندوق مغلق",
        inbox_open: "inbox open" => "الصندوق مفتوح",
        inbox_closed: "inbox closed" => "الصندوق مغلق",
        set_offline_label: "Set {0} Offline" => "اجعل {0} غير متصل",
        set_offline: "Set offline" => "اجعله غير متصل",
        team: "Team" => "الفريق",
        reconnecting_suffix: " · reconnecting" => " · جارٍ إعادة الاتصال",
        my_status: "My status" => "حالتي",
        auto_away_title: "Set automatically after a while without activity" => "ضُبطت تلقائيًا بعد فترة دون نشاط",
        auto: "auto" => "تلقائي",
        sign_out: "Sign out" => "تسجيل الخروج",
        roster_count: "{0}/{1} online" => "{0}/{1} متصلون",
        // Statuses and presence
        available: "Available" => "متاح",
        away: "Away" => "بعيد",
        busy: "Busy" => "مشغول",
        offline: "Offline" => "غير متصل",
        unknown: "Unknown" => "غير معروف",
        presence_online: "Online" => "متصل",
        presence_reconnecting: "Reconnecting" => "يعيد الاتصال",
        presence_left: "Left the page" => "غادر الصفحة",
        // Views
        views: "Views" => "القوائم",
        view_waiting: "Waiting" => "بانتظار الرد",
        view_mine: "Mine" => "محادثاتي",
        view_open: "All open" => "كل المفتوحة",
        view_resolved: "Resolved" => "المُغلقة",
        // Conversation list
        all_bots: "All bots" => "كل البوتات",
        filter_by_bot: "Filter by bot" => "التصفية حسب البوت",
        search_resolved: "Search by visitor name or email" => "ابحث باسم الزائر أو بريده",
        empty_waiting: "Nobody is waiting for a person. Requests appear here the moment a visitor asks." => "لا أحد ينتظر شخصًا. تظهر الطلبات هنا لحظة طلب الزائر.",
        empty_mine: "Nothing assigned to you. Join a chat and it shows up here." => "لا شيء مُسند إليك. انضم إلى محادثة لتظهر هنا.",
        empty_open: "No open conversations. They appear here as visitors start chatting." => "لا محادثات مفتوحة. تظهر هنا عندما يبدأ الزوار الدردشة.",
        empty_resolved: "No resolved conversations yet." => "لا محادثات مُغلقة بعد.",
        empty_search: "No resolved conversation matches that search." => "لا محادثة مُغلقة تطابق هذا البحث.",
        waiting_clock: "waiting {0}" => "ينتظر منذ {0}",
        from_browser_language: "{0} (from the browser's language)" => "{0} (من لغة المتصفح)",
        search_resolved_label: "Search resolved chats" => "البحث في المحادثات المُغلقة",
        loading_conversations: "Loading conversations…" => "جارٍ تحميل المحادثات…",
        conversations: "Conversations" => "المحادثات",
        no_messages_row: "No messages yet" => "لا رسائل بعد",
        time_since_request: "Time since the visitor asked for a person" => "الوقت منذ طلب الزائر شخصًا",
        time_since_handoff: "Time since handoff" => "الوقت منذ التسليم",
        handoff_clock: "handoff {0}" => "التسليم {0}",
        typing_short: "typing…" => "يكتب…",
        // Badges and log
        badge_help: "Help requested" => "طلب المساعدة",
        badge_with: "With {0}" => "مع {0}",
        resolved: "Resolved" => "مُغلقة",
        author_visitor: "Visitor" => "الزائر",
        author_bot: "Bot" => "البوت",
        author_someone: "Someone" => "شخص ما",
        sending: "Sending…" => "جارٍ الإرسال…",
        sent: "Sent" => "أُرسلت",
        delivered: "Delivered" => "وصلت",
        read: "Read" => "قُرئت",
        not_sent: "Not sent" => "لم تُرسل",
        discard: "Discard" => "تجاهل",
        messages: "Messages" => "الرسائل",
        loading_conversation: "Loading conversation…" => "جارٍ تحميل المحادثة…",
        no_messages: "No messages yet." => "لا رسائل بعد.",
        is_typing: "{0} is typing…" => "{0} يكتب…",
        you_tag: "(you)" => "(أنت)",
        ev_help: "The visitor asked for a person" => "طلب الزائر التحدث إلى شخص",
        ev_cancelled: "The visitor withdrew the request" => "سحب الزائر طلبه",
        ev_lapsed: "Nobody joined in time; the request lapsed and the bot is back" => "لم ينضم أحد في الوقت المحدد؛ انتهى الطلب وعاد البوت",
        ev_joined: "{0} joined the chat" => "انضم {0} إلى المحادثة",
        ev_took_over: "{0} took over from {1}" => "تولّى {0} المحادثة بدلًا من {1}",
        ev_transferred: "{0} transferred the chat to {1}" => "حوّل {0} المحادثة إلى {1}",
        ev_left: "{0} left; the bot is back" => "غادر {0}؛ عاد البوت",
        ev_visitor_ended: "The visitor ended the chat with {0}; the bot is back" => "أنهى الزائر المحادثة مع {0}؛ عاد البوت",
        ev_owner_away: "{0} was away while the visitor waited; the chat is back in Waiting" => "كان {0} غائبًا بينما انتظر الزائر؛ عادت المحادثة إلى «بانتظار الرد»",
        ev_owner_offline: "{0} went offline; the chat is back in Waiting" => "أصبح {0} غير متصل؛ عادت المحادثة إلى «بانتظار الرد»",
        ev_resolved_by: "{0} closed the conversation" => "أغلق {0} المحادثة",
        ev_resolved: "The conversation was closed" => "أُغلقت المحادثة",
        // Conversation view
        state_bot: "The assistant is answering" => "المساعد الآلي يجيب",
        state_waiting: "Waiting for a person" => "بانتظار شخص",
        state_mine: "You're in this chat" => "أنت في هذه المحادثة",
        state_theirs: "{0} has this chat" => "المحادثة مع {0}",
        state_unknown: "Unknown state" => "حالة غير معروفة",
        since_waiting: " · waiting {0}" => " · ينتظر منذ {0}",
        since_handoff: " · handoff {0}" => " · التسليم {0}",
        join: "Join" => "انضمام",
        take_over: "Take over" => "تولَّ المحادثة",
        transfer: "Transfer" => "تحويل",
        leave: "Leave" => "مغادرة",
        resolve: "Resolve" => "إغلاق",
        take_over_title: "Take over from {0}?" => "أتتولّى المحادثة بدلًا من {0}؟",
        take_over_text: "{0} is in this chat now. They are told you took over, and the visitor sees your name." => "{0} في هذه المحادثة الآن. سيُبلَّغ بأنك توليتها، وسيرى الزائر اسمك.",
        leave_title: "Leave this chat?" => "أتغادر هذه المحادثة؟",
        leave_confirm: "Hand back to the bot" => "أعِدها إلى البوت",
        leave_text: "The assistant answers the visitor again. You can join later if they need a person." => "سيجيب المساعد الآلي الزائر مجددًا. يمكنك الانضمام لاحقًا إن احتاج إلى شخص.",
        resolve_title: "Resolve this chat?" => "أتغلق هذه المحادثة؟",
        resolve_text: "The chat closes for the visitor, who can start a new one. It moves to Resolved." => "تُغلق المحادثة لدى الزائر، ويمكنه بدء محادثة جديدة. تنتقل إلى «المُغلقة».",
        hint_join: "Join the chat to reply." => "انضم إلى المحادثة لترد.",
        hint_theirs: "You can read along; only {0} can reply. Take over to answer yourself." => "يمكنك المتابعة قراءةً؛ {0} وحده يستطيع الرد. تولَّ المحادثة لترد بنفسك.",
        hint_resolved: "This conversation is resolved; it is read-only." => "هذه المحادثة مُغلقة؛ للقراءة فقط.",
        hint_cannot: "You cannot reply in this conversation." => "لا يمكنك الرد في هذه المحادثة.",
        country: "Country" => "البلد",
        country_guess: "Country (from the browser's language)" => "البلد (من لغة المتصفح)",
        bot: "Bot" => "البوت",
        on_page: "on {0}" => "في {0}",
        close_conversation: "Close conversation" => "إغلاق نافذة المحادثة",
        close: "Close" => "إغلاق",
        // Composer
        saved_replies: "Saved replies" => "الردود المحفوظة",
        reply: "Reply" => "الرد",
        reply_placeholder: "Write a reply… Enter to send, Shift+Enter for a new line, / for saved replies" => "اكتب ردًا… Enter للإرسال، Shift+Enter لسطر جديد، / للردود المحفوظة",
        reply_help: "Type / and a few letters to insert a saved reply." => "اكتب / وبضعة أحرف لإدراج رد محفوظ.",
        offline_outbox: "Offline: replies go out on reconnect" => "غير متصل: تُرسل الردود عند عودة الاتصال",
        send: "Send" => "إرسال",
        // Dialogs
        join_title: "Join this chat" => "الانضمام إلى هذه المحادثة",
        join_text: "The visitor is told you joined, and the bot stops answering." => "سيُبلَّغ الزائر بانضمامك، ويتوقف البوت عن الرد.",
        join_confirm: "Join chat" => "انضمام",
        name_shown: "Name shown to the visitor" => "الاسم الذي يراه الزائر",
        cancel: "Cancel" => "إلغاء",
        transfer_title: "Transfer this chat" => "تحويل هذه المحادثة",
        transfer_none: "Nobody else who serves this bot is Available right now. Teammates who are Away or Busy are not offered chats." => "لا أحد غيرك ممن يخدمون هذا البوت متاح الآن. لا تُعرض المحادثات على الزملاء البعيدين أو المشغولين.",
        transfer_text: "The visitor is told who takes over; your teammate is alerted." => "سيُبلَّغ الزائر بمن يتولى المحادثة، ويُنبَّه زميلك.",
        teammate: "Teammate" => "الزميل",
        // Notes
        you: "You" => "أنت",
        saving: "Saving…" => "جارٍ الحفظ…",
        not_saved: "Not saved: {0} " => "لم يُحفظ: {0} ",
        dismiss: "Dismiss" => "إغلاق",
        internal_notes: "Internal notes" => "ملاحظات داخلية",
        notes_hint: "Only your team sees notes" => "لا يرى الملاحظات إلا فريقك",
        notes_empty: "No notes yet. The visitor never sees what you write here." => "لا ملاحظات بعد. لا يرى الزائر أبدًا ما تكتبه هنا.",
        add_note_label: "Add an internal note" => "أضف ملاحظة داخلية",
        note_placeholder: "Note for your team… Enter adds, Shift+Enter for a new line" => "ملاحظة لفريقك… Enter للإضافة، Shift+Enter لسطر جديد",
        add_note: "Add note" => "إضافة ملاحظة",
        // Saved replies
        edit: "Edit" => "تعديل",
        edit_label: "Edit {0}" => "تعديل {0}",
        delete: "Delete" => "حذف",
        delete_label: "Delete {0}" => "حذف {0}",
        edit_saved_reply: "Edit saved reply" => "تعديل الرد المحفوظ",
        new_saved_reply: "New saved reply" => "رد محفوظ جديد",
        saved_replies_text: "Type / and the trigger in the reply box to insert one. Only you see your saved replies." => "اكتب / ثم الكلمة المفتاحية في مربع الرد لإدراجه. لا يرى ردودك المحفوظة أحد سواك.",
        no_saved_replies: "You have no saved replies yet." => "ليس لديك ردود محفوظة بعد.",
        my_saved_replies: "My saved replies" => "ردودي المحفوظة",
        trigger: "Trigger" => "الكلمة المفتاحية",
        trigger_help: "One word, e.g. thanks or returns." => "كلمة واحدة، مثل thanks أو returns.",
        reply_text: "Reply text" => "نص الرد",
        placeholders_help: "{visitor_name} and {operator_name} are filled in when you insert it." => "يُستبدل {visitor_name} و{operator_name} عند الإدراج.",
        cancel_edit: "Cancel edit" => "إلغاء التعديل",
        save_changes: "Save changes" => "حفظ التغييرات",
        save_reply: "Save reply" => "حفظ الرد",
        // Toasts and alerts
        open: "Open" => "فتح",
        notifications_region: "Browser notifications" => "إشعارات المتصفح",
        notifications_offer: "Get a browser notification when a visitor asks for a person, even while the inbox is in another tab." => "احصل على إشعار من المتصفح عندما يطلب زائر شخصًا، حتى لو كان الصندوق في تبويب آخر.",
        enable_notifications: "Enable notifications" => "تفعيل الإشعارات",
        not_now: "Not now" => "ليس الآن",
        a_visitor: "A visitor" => "زائر",
        a_teammate: "A teammate" => "زميل",
        alert_help: "{0} asked for a person" => "طلب {0} التحدث إلى شخص",
        alert_new_chat: "New chat: {0}" => "محادثة جديدة: {0}",
        alert_unclaimed: "{0} is still waiting" => "{0} لا يزال ينتظر",
        alert_unclaimed_detail: "Nobody has joined yet." => "لم ينضم أحد بعد.",
        alert_transferred: "{0} transferred {1} to you" => "حوّل {0} المحادثة مع {1} إليك",
        alert_taken_over: "{0} took over your chat with {1}" => "تولّى {0} محادثتك مع {1}",
        alert_visitor_ended: "{0} ended the chat" => "أنهى {0} المحادثة",
        alert_visitor_ended_detail: "The assistant answers them again." => "سيجيبه المساعد الآلي مجددًا.",
        alert_owner_gone: "{0} needs a person again" => "{0} يحتاج إلى شخص مجددًا",
        alert_owner_gone_detail: "Their operator left; the chat is back in Waiting." => "غادر الموظف؛ عادت المحادثة إلى «بانتظار الرد».",
        alert_auto_away: "You were set to Away" => "ضُبطت حالتك على «بعيد»",
        alert_auto_away_detail: "No activity for a while. Set yourself Available to get new chats." => "لا نشاط منذ فترة. اجعل حالتك «متاح» لتصلك محادثات جديدة.",
        alert_set_offline: "{0} set you Offline" => "جعلك {0} غير متصل",
        alert_set_offline_detail: "You get no new chats until you set yourself Available." => "لن تصلك محادثات جديدة حتى تجعل حالتك «متاح».",
        alert_unknown: "Something happened" => "حدث شيء ما",
        something_wrong: "Something went wrong" => "حدث خطأ ما",
        // Pages
        page_inbox: "Inbox" => "الصندوق",
        page_team: "Team" => "الفريق",
        page_profile: "My profile" => "ملفي الشخصي",
        page_settings: "Live chat settings" => "إعدادات الدردشة المباشرة",
        page_notification_center: "Notification center" => "مركز الإشعارات",
        page_my_notifications: "My notifications" => "إشعاراتي",
        team_and_settings: "Team and settings" => "الفريق والإعدادات",
        admins_only_channels: "Only admins manage the team's notification channels." => "لا يدير قنوات إشعارات الفريق إلا المشرفون.",
        colour_label: "Colour {0}" => "اللون {0}",
        page_load_failed: "Could not load this page" => "تعذّر تحميل هذه الصفحة",
        try_again: "Try again" => "حاول مرة أخرى",
    }
    counts {
        /// Relative times.
        minutes_ago: Forms::en("1 min ago", "{0} min ago")
            => ar("الآن", "منذ دقيقة", "منذ دقيقتين", "منذ {0} دقائق", "منذ {0} دقيقة", "منذ {0} دقيقة"),
        hours_ago: Forms::en("1 h ago", "{0} h ago")
            => ar("الآن", "منذ ساعة", "منذ ساعتين", "منذ {0} ساعات", "منذ {0} ساعة", "منذ {0} ساعة"),
        days_ago: Forms::en("1 d ago", "{0} d ago")
            => ar("اليوم", "منذ يوم", "منذ يومين", "منذ {0} أيام", "منذ {0} يومًا", "منذ {0} يوم"),
        /// The sidebar's count of waiting requests, read aloud.
        waiting_count: Forms::en("1 waiting", "{0} waiting")
            => ar("لا أحد ينتظر", "شخص واحد ينتظر", "شخصان ينتظران", "{0} أشخاص ينتظرون", "{0} شخصًا ينتظرون", "{0} شخص ينتظرون"),
        unread_count: Forms::en("1 unread", "{0} unread")
            => ar("لا رسائل غير مقروءة", "رسالة غير مقروءة", "رسالتان غير مقروءتين", "{0} رسائل غير مقروءة", "{0} رسالة غير مقروءة", "{0} رسالة غير مقروءة"),
        notes_count: Forms::en("1 note", "{0} notes")
            => ar("لا ملاحظات", "ملاحظة واحدة", "ملاحظتان", "{0} ملاحظات", "{0} ملاحظة", "{0} ملاحظة"),
    }
}
