#pragma once
// Numeric replies used by lobbyd (RFC 2812 section 5, IRCv3 where noted).
namespace lobbyd::proto::num {
inline constexpr int RPL_WELCOME = 1, RPL_YOURHOST = 2, RPL_CREATED = 3, RPL_MYINFO = 4,
                     RPL_ISUPPORT = 5;
inline constexpr int RPL_STATSDEBUG = 249, RPL_ENDOFSTATS = 219;
inline constexpr int RPL_UMODEIS = 221, RPL_AWAY = 301, RPL_UNAWAY = 305, RPL_NOWAWAY = 306;
inline constexpr int RPL_WHOISUSER = 311, RPL_WHOISSERVER = 312, RPL_ENDOFWHO = 315,
                     RPL_WHOISIDLE = 317, RPL_ENDOFWHOIS = 318, RPL_WHOISCHANNELS = 319;
inline constexpr int RPL_LISTSTART = 321, RPL_LIST = 322, RPL_LISTEND = 323,
                     RPL_CHANNELMODEIS = 324, RPL_CREATIONTIME = 329;
inline constexpr int RPL_NOTOPIC = 331, RPL_TOPIC = 332, RPL_TOPICWHOTIME = 333;
inline constexpr int RPL_WHOREPLY = 352, RPL_NAMREPLY = 353, RPL_ENDOFNAMES = 366,
                     RPL_ENDOFBANLIST = 368;
inline constexpr int RPL_MOTD = 372, RPL_MOTDSTART = 375, RPL_ENDOFMOTD = 376;
inline constexpr int ERR_NOSUCHNICK = 401, ERR_NOSUCHCHANNEL = 403, ERR_CANNOTSENDTOCHAN = 404,
                     ERR_TOOMANYCHANNELS = 405, ERR_NORECIPIENT = 411, ERR_NOTEXTTOSEND = 412,
                     ERR_INPUTTOOLONG = 417, ERR_UNKNOWNCOMMAND = 421, ERR_NOMOTD = 422;
inline constexpr int ERR_NONICKNAMEGIVEN = 431, ERR_ERRONEUSNICKNAME = 432,
                     ERR_NICKNAMEINUSE = 433;
inline constexpr int ERR_USERNOTINCHANNEL = 441, ERR_NOTONCHANNEL = 442, ERR_NOTREGISTERED = 451,
                     ERR_NEEDMOREPARAMS = 461, ERR_ALREADYREGISTERED = 462,
                     ERR_YOUREBANNEDCREEP = 465;
inline constexpr int RPL_YOUREOPER = 381, ERR_PASSWDMISMATCH = 464, ERR_NOPRIVILEGES = 481;
inline constexpr int ERR_CHANNELISFULL = 471, ERR_UNKNOWNMODE = 472, ERR_CHANOPRIVSNEEDED = 482,
                     ERR_UMODEUNKNOWNFLAG = 501, ERR_USERSDONTMATCH = 502;
}  // namespace lobbyd::proto::num
