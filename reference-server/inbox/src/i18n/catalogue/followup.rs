//! The catalogue's rows for what comes around a person's help (issue 14):
//! the "Left a message" view and the email reply, the bot's reason and the
//! priority, ratings on conversations and the Team page, and the bot
//! settings for the choices after a lapse and the rating.
//!
//! Rows are `key: "English" => "Arabic"`; see the parent module for how
//! the areas are chained into one table.

macro_rules! followup_texts {
    ([$next:ident $(, $rest:ident)*] $($done:tt)*) => {
        $next! { [$($rest),*] $($done)*
            // The "Left a message" view
            view_left: "Left a message" => "تركوا رسالة",
            empty_left: "No left messages wait for an answer." => "لا رسائل متروكة تنتظر ردًا.",
            badge_left: "Left a message" => "ترك رسالة",
            ev_message_left: "Left for a reply by email to {0}" => "تُركت ليُرد عليها بالبريد إلى {0}",
            author_visitor_left: "Visitor (left a message)" => "الزائر (ترك رسالة)",
            ev_email_replied: "{0} answered by email" => "ردّ {0} بالبريد الإلكتروني",
            ev_rated: "The visitor rated the chat {0} of 5" => "قيّم الزائر المحادثة {0} من 5",
            ev_transcript: "The visitor asked for the transcript by email" => "طلب الزائر نص المحادثة بالبريد الإلكتروني",
            left_message_title: "Left a message" => "رسالة متروكة",
            left_message_to: "Reply goes to {0}" => "يذهب الرد إلى {0}",
            reply_by_email: "Reply by email" => "الرد بالبريد الإلكتروني",
            reply_by_email_title: "Reply to {0} by email" => "الرد على {0} بالبريد الإلكتروني",
            reply_by_email_hint: "Sent to {0} as plain text. It also shows in the chat if the visitor comes back." => "يُرسل إلى {0} نصًا عاديًا، ويظهر كذلك في المحادثة إن عاد الزائر.",
            your_reply: "Your reply" => "ردك",
            send_email: "Send email" => "إرسال البريد",
            email_sent: "Email sent to {0}." => "أُرسل البريد إلى {0}.",
            write_reply_first: "Write your reply first." => "اكتب ردك أولًا.",
            answered_by_email: "Answered by email" => "رُدّ عليه بالبريد",
            // The bot's reason and the priority
            reason_row: "Why: {0}" => "السبب: {0}",
            reason_head: "The assistant asked for a person: {0}" => "طلب المساعد شخصًا: {0}",
            priority_high: "High priority" => "أولوية عالية",
            priority_urgent: "Urgent" => "عاجل",
            // Ratings
            rating_stars: "{0} of 5" => "{0} من 5",
            rating_on_chat: "Rated {0} of 5" => "التقييم {0} من 5",
            rating_comment: "“{0}”" => "«{0}»",
            ratings_title: "Ratings" => "التقييمات",
            ratings_lead: "What visitors said after a person resolved their chat." => "ما قاله الزوار بعد أن أغلق شخص محادثتهم.",
            average_rating: "Average rating" => "متوسط التقييم",
            average_of: "{0} of 5 · {1}" => "{0} من 5 · {1}",
            no_ratings: "No ratings yet" => "لا تقييمات بعد",
            by_operator: "By operator" => "حسب الموظف",
            by_bot: "By bot" => "حسب البوت",
            // Settings: after a lapse, and the rating
            after_lapse: "When nobody joins in time" => "عندما لا ينضم أحد في الوقت المحدد",
            after_lapse_hint: "The choices the visitor gets when the response window runs out. With none, the assistant simply carries on." => "الخيارات التي تظهر للزائر عند انتهاء مهلة الرد. دونها يتابع المساعد ببساطة.",
            offer_keep_waiting: "Offer to keep waiting" => "عرض مواصلة الانتظار",
            offer_keep_waiting_hint: "A new response window starts." => "تبدأ مهلة رد جديدة.",
            offer_leave_message: "Offer to leave an email and a message" => "عرض ترك بريد إلكتروني ورسالة",
            offer_leave_message_hint: "Listed under Left a message; the team answers by email. Also offered while nobody is online." => "تظهر في «تركوا رسالة» ويرد الفريق بالبريد. تُعرض كذلك حين لا يكون أحد متصلًا.",
            offer_back_to_bot: "Offer to go back to the assistant" => "عرض العودة إلى المساعد",
            ask_rating: "Ask for a rating" => "طلب تقييم",
            ask_rating_hint: "After a person resolves the chat: 1 to 5 stars and an optional comment." => "بعد أن يغلق شخص المحادثة: من نجمة إلى 5 نجوم وتعليق اختياري.",
            after_chat: "After the chat" => "بعد المحادثة",
        }
    };
}
