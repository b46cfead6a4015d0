// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @notice Receiver hook of ERC-721 safe transfers.
interface IERC721Receiver {
    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4);
}

/// @title Sector run awards
/// @notice A compact, self-contained ERC-721 (with metadata) minted to the human player whose
/// faction won a Sector run. Optionally soulbound (ERC-5192): when `soulbound` is set at
/// deployment every token is locked for good, so transfers revert and `locked` answers true.
/// Only the minter (the `sector minter` service's key) mints; the owner may hand the minter
/// role or ownership to another address.
contract SectorAward {
    string public name;
    string public symbol;
    /// Administers the contract (sets the minter).
    address public owner;
    /// The only address allowed to mint.
    address public minter;
    /// Set at deployment; every token of a soulbound contract is locked (ERC-5192).
    bool public immutable soulbound;
    /// Tokens minted so far; token ids are 1..totalSupply (none are ever burned).
    uint256 public totalSupply;

    mapping(uint256 => address) private _owners;
    mapping(address => uint256) private _balances;
    mapping(uint256 => address) private _tokenApprovals;
    mapping(address => mapping(address => bool)) private _operatorApprovals;
    mapping(uint256 => string) private _tokenURIs;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    /// ERC-5192: emitted at mint when the token is locked.
    event Locked(uint256 tokenId);
    event MinterChanged(address indexed previousMinter, address indexed newMinter);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner();
    error NotMinter();
    error ZeroAddress();
    error NonexistentToken(uint256 tokenId);
    error NotAuthorized();
    error WrongFrom();
    error Soulbound();
    error UnsafeRecipient();

    constructor(string memory name_, string memory symbol_, bool soulbound_) {
        name = name_;
        symbol = symbol_;
        soulbound = soulbound_;
        owner = msg.sender;
        minter = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
        emit MinterChanged(address(0), msg.sender);
    }

    // ------------------------------------------------------------------ ERC-165

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 // ERC-165
            || interfaceId == 0x80ac58cd // ERC-721
            || interfaceId == 0x5b5e139f // ERC-721 metadata
            || interfaceId == 0xb45a3c0e; // ERC-5192 (answers `locked` for every token)
    }

    // ------------------------------------------------------------------ minting and roles

    /// @notice Mints the next token to `to` with metadata `uri`; returns its id.
    function mint(address to, string calldata uri) external returns (uint256 tokenId) {
        if (msg.sender != minter) revert NotMinter();
        if (to == address(0)) revert ZeroAddress();
        tokenId = ++totalSupply;
        _owners[tokenId] = to;
        unchecked {
            _balances[to] += 1;
        }
        _tokenURIs[tokenId] = uri;
        emit Transfer(address(0), to, tokenId);
        if (soulbound) emit Locked(tokenId);
    }

    function setMinter(address newMinter) external {
        if (msg.sender != owner) revert NotOwner();
        if (newMinter == address(0)) revert ZeroAddress();
        emit MinterChanged(minter, newMinter);
        minter = newMinter;
    }

    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert NotOwner();
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // ------------------------------------------------------------------ ERC-5192

    function locked(uint256 tokenId) external view returns (bool) {
        ownerOf(tokenId);
        return soulbound;
    }

    // ------------------------------------------------------------------ ERC-721 metadata

    function tokenURI(uint256 tokenId) external view returns (string memory) {
        ownerOf(tokenId);
        return _tokenURIs[tokenId];
    }

    // ------------------------------------------------------------------ ERC-721

    function balanceOf(address holder) external view returns (uint256) {
        if (holder == address(0)) revert ZeroAddress();
        return _balances[holder];
    }

    function ownerOf(uint256 tokenId) public view returns (address holder) {
        holder = _owners[tokenId];
        if (holder == address(0)) revert NonexistentToken(tokenId);
    }

    function approve(address to, uint256 tokenId) external {
        address holder = ownerOf(tokenId);
        if (msg.sender != holder && !_operatorApprovals[holder][msg.sender]) revert NotAuthorized();
        _tokenApprovals[tokenId] = to;
        emit Approval(holder, to, tokenId);
    }

    function getApproved(uint256 tokenId) external view returns (address) {
        ownerOf(tokenId);
        return _tokenApprovals[tokenId];
    }

    function setApprovalForAll(address operator, bool approved) external {
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function isApprovedForAll(address holder, address operator) external view returns (bool) {
        return _operatorApprovals[holder][operator];
    }

    function transferFrom(address from, address to, uint256 tokenId) public {
        if (soulbound) revert Soulbound();
        address holder = ownerOf(tokenId);
        if (holder != from) revert WrongFrom();
        if (to == address(0)) revert ZeroAddress();
        if (
            msg.sender != holder && !_operatorApprovals[holder][msg.sender]
                && _tokenApprovals[tokenId] != msg.sender
        ) revert NotAuthorized();
        delete _tokenApprovals[tokenId];
        unchecked {
            _balances[from] -= 1;
            _balances[to] += 1;
        }
        _owners[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }

    function safeTransferFrom(address from, address to, uint256 tokenId) external {
        safeTransferFrom(from, to, tokenId, "");
    }

    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        if (to.code.length > 0) {
            try IERC721Receiver(to).onERC721Received(msg.sender, from, tokenId, data) returns (bytes4 ret) {
                if (ret != IERC721Receiver.onERC721Received.selector) revert UnsafeRecipient();
            } catch {
                revert UnsafeRecipient();
            }
        }
    }
}
